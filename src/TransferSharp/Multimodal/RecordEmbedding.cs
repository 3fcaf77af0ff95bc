namespace TransferSharp.Multimodal;

/// <summary>A high-cardinality categorical column read through a learned embedding: its slot in the encoded record
/// (holding the category's index), the table's rows (the kept categories, "unknown", "missing") and the vector
/// width.</summary>
public sealed record RecordEmbedding(int Offset, int Size, int Width)
{
    /// <summary>An encoded record of <paramref name="width"/> values cut at its embedded columns, in order: plain
    /// values [start, start + length) with <c>embedding</c> null, and each embedded column's index slot with its
    /// position in <paramref name="embeddings"/>. The network and its ONNX export read the record by this one
    /// plan.</summary>
    public static IEnumerable<(int start, int length, int? embedding)> Segments(
        IReadOnlyList<RecordEmbedding> embeddings,
        int width
    )
    {
        int at = 0;
        for (int e = 0; e < embeddings.Count; e++)
        {
            if (embeddings[e].Offset > at)
                yield return (at, embeddings[e].Offset - at, null);
            yield return (embeddings[e].Offset, 1, e);
            at = embeddings[e].Offset + 1;
        }
        if (at < width)
            yield return (at, width - at, null);
    }
}
