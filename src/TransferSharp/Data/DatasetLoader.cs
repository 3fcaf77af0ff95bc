namespace TransferSharp.Data;

/// <summary>Loads datasets from an image folder, a CSV of path,label, or IDX files; every problem is a <see
/// cref="DataException"/> naming the file.</summary>
public static class DatasetLoader
{
    /// <summary>Image file extensions recognised in folders.</summary>
    public static readonly IReadOnlySet<string> ImageExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".bmp",
        ".gif",
        ".webp",
    };

    /// <summary>
    /// The labelled and test datasets of <paramref name="options"/>: with no training data, the embedded Fashion-MNIST
    /// subset and its test images (unless a test set is named); a test set must have the training set's classes.
    /// </summary>
    public static (ImageDataset train, ImageDataset? test) LoadSplits(DataOptions options)
    {
        if (options.Train is null)
            return (
                Load(EmbeddedData.TrainImages, DatasetRole.Train),
                Load(options.Test ?? EmbeddedData.TestImages, DatasetRole.Test)
            );
        var train = Load(options.Train, DatasetRole.Train, options.ChannelsLast);
        ImageDataset? test = options.Test is null ? null : Load(options.Test, DatasetRole.Test, options.ChannelsLast);
        if (test is not null && !test.ClassNames.SequenceEqual(train.ClassNames))
            throw new DataException(
                $"{test.Origin}: the test set's classes ({string.Join(", ", test.ClassNames)}) differ "
                    + $"from the training set's ({string.Join(", ", train.ClassNames)}).",
                test.Origin
            );
        return (train, test);
    }

    /// <summary>Loads <paramref name="path"/>: a folder of class subfolders, a .csv, an IDX images file, or a folder of
    /// IDX files.</summary>
    public static ImageDataset Load(string path, DatasetRole role = DatasetRole.Train, bool channelsLast = false)
    {
        if (File.Exists(path))
        {
            if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
                return LoadCsv(path, channelsLast);
            if (Path.GetFileName(path).Contains("-idx3", StringComparison.Ordinal))
                return LoadIdx(path);
            throw new DataException(
                $"{path}: not a dataset (expected a folder of class subfolders, a .csv of path,label, or an IDX "
                    + $"images file).",
                path
            );
        }
        if (!Directory.Exists(path))
            throw new DataException($"{path}: no such file or folder.", path);
        var idx = Directory
            .GetFiles(path)
            .Where(f => Path.GetFileName(f).Contains("images-idx3", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (idx.Count > 0)
            return LoadIdx(PickIdx(path, idx, role));
        return LoadFolder(path, channelsLast);
    }

    private static string PickIdx(string folder, List<string> images, DatasetRole role)
    {
        if (images.Count == 1)
            return images[0];
        string[] prefixes = role == DatasetRole.Train ? new[] { "train" } : new[] { "t10k", "test" };
        var matches = images
            .Where(f => prefixes.Any(p => Path.GetFileName(f).StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        if (matches.Count == 1)
            return matches[0];
        throw new DataException(
            $"{folder}: {images.Count} IDX image files and no single one for the "
                + $"{role.ToString().ToLowerInvariant()} role "
                + $"({string.Join(", ", images.Select(Path.GetFileName))}); pass the file itself.",
            folder
        );
    }

    private static ImageDataset LoadIdx(string imagesPath)
    {
        var (images, rows, cols) = IdxFormat.ReadImages(imagesPath);
        string labelsPath = IdxFormat.LabelsPathFor(imagesPath);
        byte[] labels = IdxFormat.ReadLabels(labelsPath);
        if (labels.Length != images.Length)
            throw new DataException(
                $"{labelsPath}: {labels.Length} labels for {images.Length} images in {Path.GetFileName(imagesPath)}.",
                labelsPath
            );
        string classesFile = Path.Combine(Path.GetDirectoryName(imagesPath) ?? ".", "classes.txt");
        int classCount = labels.Length == 0 ? 0 : labels.Max() + 1;
        IReadOnlyList<string> names = File.Exists(classesFile)
            ? File.ReadAllLines(classesFile).Select(l => l.Trim()).Where(l => l.Length > 0).ToList()
            : Enumerable.Range(0, classCount).Select(i => i.ToString()).ToList();
        if (names.Count < classCount)
            throw new DataException(
                $"{classesFile}: {names.Count} class names, but labels go up to {classCount - 1}.",
                classesFile
            );
        if (names.Count < 2)
            throw new DataException($"{imagesPath}: fewer than two classes.", imagesPath);
        var items = new List<LabeledImage>(images.Length);
        for (int i = 0; i < images.Length; i++)
            items.Add(new LabeledImage(new IdxImageSource(imagesPath, i, images[i], rows, cols), labels[i]));
        return new ImageDataset(items, names, imagesPath);
    }

    private static ImageDataset LoadFolder(string folder, bool channelsLast)
    {
        var classDirs = Directory
            .GetDirectories(folder)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (classDirs.Count < 2)
            throw new DataException(
                $"{folder}: found {classDirs.Count} class folder(s); an image-folder dataset needs at least two "
                    + $"(one subfolder per class).",
                folder
            );
        var items = new List<LabeledImage>();
        var names = new List<string>();
        var leftOut = new List<string>();
        foreach (string dir in classDirs)
        {
            var files = FilesBelow(dir, leftOut)
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f)) || IsArray(f))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (files.Count == 0)
                throw new DataException(
                    $"{dir}: the class folder '{Path.GetFileName(dir)}' has no images "
                        + $"({string.Join(", ", ImageExtensions.Concat(ArrayExtensions))}).",
                    dir
                );
            int label = names.Count;
            names.Add(Path.GetFileName(dir));
            items.AddRange(files.Select(f => new LabeledImage(SourceFor(f, channelsLast), label)));
        }
        return new ImageDataset(items, names, folder, leftOut);
    }

    /// <summary>
    /// The files below <paramref name="folder"/>, hidden ones (.DS_Store, ._name.png) left out; a folder reached again
    /// through a symbolic link (a loop, or two links to one place) is visited once. FIFOs, devices and sockets are
    /// left out too (reading one would block or never end), each named with why in <paramref name="leftOut"/>.
    /// </summary>
    public static IEnumerable<string> FilesBelow(string folder, ICollection<string>? leftOut = null)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<(string path, string real)>();
        pending.Push((folder, RealFolder(Path.GetFullPath(folder), null)));
        while (pending.Count > 0)
        {
            var (path, real) = pending.Pop();
            if (!visited.Add(real))
                continue;
            foreach (string file in Directory.EnumerateFiles(path).Where(f => !Path.GetFileName(f).StartsWith('.')))
            {
                if (DataFile.NotRegular(file) is { } kind)
                    leftOut?.Add($"{file}: {kind}, not a regular file; left out.");
                else
                    yield return file;
            }
            foreach (
                string sub in Directory.EnumerateDirectories(path).Where(d => !Path.GetFileName(d).StartsWith('.'))
            )
                pending.Push((sub, RealFolder(sub, Path.Combine(real, Path.GetFileName(sub)))));
        }
    }

    // The folder's real path: a link's final target, else its place under the parent's real path.
    private static string RealFolder(string path, string? underParent) =>
        new DirectoryInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? underParent ?? path;

    /// <summary>Multichannel array files: .npy, .tif, .tiff.</summary>
    public static readonly IReadOnlySet<string> ArrayExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".npy",
        ".tif",
        ".tiff",
    };

    private static bool IsArray(string file) => ArrayExtensions.Contains(Path.GetExtension(file));

    /// <summary>The source for a file: an array (.npy, TIFF) or an 8-bit image.</summary>
    public static IImageSource SourceFor(string file, bool channelsLast = false) =>
        Path.GetExtension(file).Equals(".npy", StringComparison.OrdinalIgnoreCase)
            ? new NpyImageSource(file, channelsLast)
        : IsArray(file) ? new TiffImageSource(file)
        : new FileImageSource(file);

    private static ImageDataset LoadCsv(string csvPath, bool channelsLast)
    {
        string[] lines = File.ReadAllLines(csvPath);
        if (lines.Length == 0)
            throw new DataException($"{csvPath}: the CSV file is empty.", csvPath);
        var header = SplitCsv(lines[0]).Select(h => h.Trim().ToLowerInvariant()).ToList();
        int pathColumn = header.IndexOf("path"),
            labelColumn = header.IndexOf("label");
        if (pathColumn < 0 || labelColumn < 0)
            throw new DataException(
                $"{csvPath}: the header must have columns 'path' and 'label'; found: {string.Join(", ", header)}.",
                csvPath
            );
        string baseDir = Path.GetDirectoryName(Path.GetFullPath(csvPath)) ?? ".";
        var rows = new List<(string file, string label)>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
                continue;
            var cells = SplitCsv(lines[i]);
            if (cells.Count != header.Count)
                throw new DataException(
                    $"{csvPath}, row {i + 1}: {cells.Count} columns, the header has {header.Count}.",
                    csvPath
                );
            string file = Path.IsPathRooted(cells[pathColumn])
                ? cells[pathColumn]
                : Path.Combine(baseDir, cells[pathColumn]);
            if (!File.Exists(file))
                throw new DataException(
                    $"{csvPath}, row {i + 1}: the image '{cells[pathColumn]}' does not exist ({file}).",
                    csvPath
                );
            string label = cells[labelColumn].Trim();
            if (label.Length == 0)
                throw new DataException($"{csvPath}, row {i + 1}: empty label.", csvPath);
            rows.Add((file, label));
        }
        var names = rows.Select(r => r.label).Distinct().Order(StringComparer.Ordinal).ToList();
        if (names.Count < 2)
            throw new DataException($"{csvPath}: {names.Count} class(es); at least two are needed.", csvPath);
        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        return new ImageDataset(
            rows.Select(r => new LabeledImage(SourceFor(r.file, channelsLast), index[r.label])).ToList(),
            names,
            csvPath
        );
    }

    /// <summary>One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break.</summary>
    public static string QuoteCsv(string value) =>
        value.IndexOfAny(new[] { ',', '"', '\n' }) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    /// <summary>Splits one CSV line (RFC 4180 quoting).</summary>
    internal static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                    quoted = false;
                else
                    current.Append(c);
            }
            else if (c == '"')
                quoted = true;
            else if (c == ',')
            {
                cells.Add(current.ToString());
                current.Clear();
            }
            else
                current.Append(c);
        }
        cells.Add(current.ToString());
        return cells;
    }
}
