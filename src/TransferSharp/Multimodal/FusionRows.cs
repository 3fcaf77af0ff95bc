namespace TransferSharp.Multimodal;

/// <summary>Packed fusion inputs (see <see cref="FusionNetwork"/>) with their labels (-1: none) and the encoded
/// record alone (for the boosted trees).</summary>
public sealed record FusionRows(float[][] Packed, int[] Labels, int ImageWidth, int RecordWidth)
{
    /// <summary>The record's embedded columns.</summary>
    public IReadOnlyList<RecordEmbedding> Embeddings { get; init; } = Array.Empty<RecordEmbedding>();

    /// <summary>The number of rows.</summary>
    public int Count => Packed.Length;

    /// <summary>Packs standardised image features (null: no image) and encoded records.</summary>
    public static FusionRows Pack(
        IReadOnlyList<float[]?> images,
        EncodedRecords records,
        int[] labels,
        int imageWidth,
        float[] mean,
        float[] scale
    )
    {
        int recordWidth = records.Values.Length > 0 ? records.Values[0].Length : 0;
        var packed = new float[images.Count][];
        for (int i = 0; i < images.Count; i++)
        {
            var row = new float[imageWidth + recordWidth + 2];
            if (images[i] is { } features)
            {
                for (int j = 0; j < imageWidth; j++)
                    row[j] = (features[j] - mean[j]) * scale[j];
                row[imageWidth] = 1;
            }
            if (records.Present[i])
            {
                records.Values[i].CopyTo(row, imageWidth + 1);
                row[^1] = 1;
            }
            packed[i] = row;
        }
        return new FusionRows(packed, labels, imageWidth, recordWidth) { Embeddings = records.Embeddings };
    }

    /// <summary>Row <paramref name="i"/>'s encoded record.</summary>
    public ReadOnlySpan<float> Record(int i) => Packed[i].AsSpan(ImageWidth + 1, RecordWidth);

    /// <summary>Whether row <paramref name="i"/> has an image.</summary>
    public bool HasImage(int i) => Packed[i][ImageWidth] > 0;

    /// <summary>Whether row <paramref name="i"/> has a record.</summary>
    public bool HasRecord(int i) => Packed[i][^1] > 0;

    /// <summary>A copy in which, for every row, the columns [start, start+length) are taken from row
    /// permutation[row]: the permutation importance of those columns.</summary>
    public FusionRows Permuted(int start, int length, int[] permutation)
    {
        var rows = Packed.Select(r => (float[])r.Clone()).ToArray();
        for (int i = 0; i < rows.Length; i++)
            Array.Copy(Packed[permutation[i]], start, rows[i], start, length);
        return this with { Packed = rows };
    }
}
