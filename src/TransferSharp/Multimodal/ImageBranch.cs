using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;

namespace TransferSharp.Multimodal;

/// <summary>The image column of a table: its files, and their frozen features (null where a row has no image, its
/// file is missing, or it cannot be decoded).</summary>
public static class ImageBranch
{
    /// <summary>The image column's index: <paramref name="name"/>, else "path" when the default name is
    /// absent.</summary>
    public static int Column(RecordTable table, string name)
    {
        if (table.Find(name) is var found and >= 0)
            return found;
        if (name.Equals("image", StringComparison.OrdinalIgnoreCase) && table.Find("path") is var path and >= 0)
            return path;
        return table.Column(name, "image");
    }

    /// <summary>The files of <paramref name="rows"/> (relative paths from the CSV's folder); null for an empty cell
    /// or a file that does not exist (counted in <paramref name="notFound"/>).</summary>
    public static IImageSource?[] Sources(RecordTable table, int column, IReadOnlyList<int> rows, out int notFound)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(table.Path)) ?? ".";
        var sources = new IImageSource?[rows.Count];
        notFound = 0;
        for (int k = 0; k < rows.Count; k++)
        {
            string cell = table.Rows[rows[k]][column];
            if (ColumnEncoder.IsMissing(cell))
                continue;
            string file = Path.IsPathRooted(cell) ? cell : Path.Combine(folder, cell);
            if (!File.Exists(file))
            {
                notFound++;
                continue;
            }
            sources[k] = DatasetLoader.SourceFor(file);
        }
        return sources;
    }

    /// <summary>Features of the rows that have a source; an image that cannot be decoded is left null (listed in
    /// <paramref name="bad"/>).</summary>
    public static float[]?[] Features(
        Backbone backbone,
        IReadOnlyList<IImageSource?> sources,
        FeatureCache cache,
        int batchSize,
        IProgress<ProgressUpdate>? progress,
        string label,
        List<BadImage> bad,
        CancellationToken cancellation
    )
    {
        var present = Enumerable.Range(0, sources.Count).Where(i => sources[i] is not null).ToArray();
        var result = new float[]?[sources.Count];
        if (present.Length == 0)
            return result;
        FeatureSet set = FeatureExtractor.Extract(
            backbone,
            present.Select(i => sources[i]!).ToList(),
            cache,
            new ExtractionOptions { BatchSize = batchSize, SkipBad = true },
            progress,
            label,
            cancellation
        );
        for (int k = 0; k < set.Kept.Length; k++)
            result[present[set.Kept[k]]] = set.Rows[k];
        bad.AddRange(set.Bad);
        return result;
    }
}
