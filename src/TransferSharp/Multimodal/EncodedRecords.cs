namespace TransferSharp.Multimodal;

/// <summary>Encoded rows, whether each has a record at all, and per column the missing and unseen-category
/// counts.</summary>
public sealed record EncodedRecords(float[][] Values, bool[] Present, int[] Missing, int[] Unknown)
{
    /// <summary>The embedded columns' slots (see <see cref="RecordEncoder.Embeddings"/>).</summary>
    public IReadOnlyList<RecordEmbedding> Embeddings { get; init; } = Array.Empty<RecordEmbedding>();
}
