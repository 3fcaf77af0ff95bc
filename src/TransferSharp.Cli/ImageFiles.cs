using TransferSharp.Data;

namespace TransferSharp.Cli;

/// <summary>Image files named on the command line, or found in folders.</summary>
internal static class ImageFiles
{
    /// <summary>An image file, or a .npy / TIFF array.</summary>
    public static IImageSource Source(string path, bool channelsLast = false) =>
        DatasetLoader.SourceFor(path, channelsLast);

    /// <summary>
    /// The files themselves, and every image or array file under the folders (sorted; hidden files, FIFOs and devices
    /// left out as a dataset's folder scan leaves them, with a warning for each of the latter).
    /// </summary>
    public static IEnumerable<string> Expand(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            if (File.Exists(path))
                yield return path;
            else if (Directory.Exists(path))
            {
                var leftOut = new List<string>();
                var files = DatasetLoader.FilesBelow(path, leftOut).Where(IsImageOrArray).Order(StringComparer.Ordinal);
                foreach (string file in files.ToList())
                    yield return file;
                Warn(leftOut);
            }
            else
                throw new DataException($"{path}: no such file or folder.", path);
        }
    }

    /// <summary>A labelled dataset, its left-out files shown as warnings.</summary>
    public static ImageDataset Load(string path, DatasetRole role = DatasetRole.Train, bool channelsLast = false)
    {
        ImageDataset dataset = DatasetLoader.Load(path, role, channelsLast);
        Warn(dataset.LeftOut);
        return dataset;
    }

    private static void Warn(IEnumerable<string> lines)
    {
        foreach (string line in lines)
            Console.Error.WriteLine($"warning: {line}");
    }

    /// <summary>Unlabelled images: a labelled dataset's images (labels ignored), or image files and folders.</summary>
    public static IReadOnlyList<IImageSource> Unlabelled(string path)
    {
        bool dataset = File.Exists(path)
            ? path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || IsIdx(path)
            : Directory.Exists(path)
                && (
                    Directory.GetDirectories(path).Any(d => !Path.GetFileName(d).StartsWith('.'))
                    || Directory.GetFiles(path).Any(IsIdx)
                );
        if (dataset)
            return Load(path, DatasetRole.Test).Items.Select(i => i.Source).ToList();
        var files = Expand(new[] { path }).Select(p => Source(p)).ToList();
        if (files.Count == 0)
            throw new DataException($"{path}: no image files found.", path);
        return files;
    }

    private static bool IsIdx(string file) => Path.GetFileName(file).Contains("-idx3", StringComparison.Ordinal);

    private static bool IsImageOrArray(string file) =>
        DatasetLoader.ImageExtensions.Contains(Path.GetExtension(file))
        || DatasetLoader.ArrayExtensions.Contains(Path.GetExtension(file));
}
