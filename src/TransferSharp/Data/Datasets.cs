namespace TransferSharp.Data;

/// <summary>An image and its class index.</summary>
/// <param name="Source">Where the image comes from.</param>
/// <param name="Label">Class index into the dataset's class names.</param>
public sealed record LabeledImage(IImageSource Source, int Label);

/// <summary>Which part of a folder of IDX files to load when it holds several.</summary>
public enum DatasetRole
{
    /// <summary>Files whose names start with "train".</summary>
    Train,
    /// <summary>Files whose names start with "t10k" or "test".</summary>
    Test,
}

/// <summary>A labelled image dataset: items and class names (index = label).</summary>
public sealed class ImageDataset
{
    /// <summary>Creates a dataset.</summary>
    public ImageDataset(IReadOnlyList<LabeledImage> items, IReadOnlyList<string> classNames, string origin)
    {
        Items = items;
        ClassNames = classNames;
        Origin = origin;
    }

    /// <summary>The images.</summary>
    public IReadOnlyList<LabeledImage> Items { get; }
    /// <summary>Class names by index.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>The path it was loaded from.</summary>
    public string Origin { get; }
    /// <summary>Number of images.</summary>
    public int Count => Items.Count;

    /// <summary>The items' labels.</summary>
    public int[] Labels() => Items.Select(i => i.Label).ToArray();

    /// <summary>Images per class.</summary>
    public int[] CountsPerClass()
    {
        var counts = new int[ClassNames.Count];
        foreach (var item in Items) counts[item.Label]++;
        return counts;
    }

    /// <summary>The items at <paramref name="indices"/>, same classes.</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices) => new(indices.Select(i => Items[i]).ToList(), ClassNames, Origin);

    /// <summary>Without the items whose source id is in <paramref name="sourceIds"/>.</summary>
    public ImageDataset Without(IReadOnlySet<string> sourceIds) => new(Items.Where(i => !sourceIds.Contains(i.Source.Id)).ToList(), ClassNames, Origin);
}

/// <summary>Loads datasets from an image folder, a CSV of path,label, or IDX files; every problem is a <see cref="DataException"/> naming the file.</summary>
public static class DatasetLoader
{
    /// <summary>Image file extensions recognised in folders.</summary>
    public static readonly IReadOnlySet<string> ImageExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp" };

    /// <summary>Loads <paramref name="path"/>: a folder of class subfolders, a .csv, an IDX images file, or a folder of IDX files.</summary>
    public static ImageDataset Load(string path, DatasetRole role = DatasetRole.Train, bool channelsLast = false)
    {
        if (File.Exists(path))
        {
            if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return LoadCsv(path, channelsLast);
            if (Path.GetFileName(path).Contains("-idx3", StringComparison.Ordinal)) return LoadIdx(path);
            throw new DataException($"{path}: not a dataset (expected a folder of class subfolders, a .csv of path,label, or an IDX images file).", path);
        }
        if (!Directory.Exists(path)) throw new DataException($"{path}: no such file or folder.", path);
        var idx = Directory.GetFiles(path).Where(f => Path.GetFileName(f).Contains("images-idx3", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (idx.Count > 0) return LoadIdx(PickIdx(path, idx, role));
        return LoadFolder(path, channelsLast);
    }

    private static string PickIdx(string folder, List<string> images, DatasetRole role)
    {
        if (images.Count == 1) return images[0];
        string[] prefixes = role == DatasetRole.Train ? new[] { "train" } : new[] { "t10k", "test" };
        var matches = images.Where(f => prefixes.Any(p => Path.GetFileName(f).StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList();
        if (matches.Count == 1) return matches[0];
        throw new DataException($"{folder}: {images.Count} IDX image files and no single one for the {role.ToString().ToLowerInvariant()} role ({string.Join(", ", images.Select(Path.GetFileName))}); pass the file itself.", folder);
    }

    private static ImageDataset LoadIdx(string imagesPath)
    {
        var (images, rows, cols) = IdxFormat.ReadImages(imagesPath);
        string labelsPath = IdxFormat.LabelsPathFor(imagesPath);
        byte[] labels = IdxFormat.ReadLabels(labelsPath);
        if (labels.Length != images.Length)
            throw new DataException($"{labelsPath}: {labels.Length} labels for {images.Length} images in {Path.GetFileName(imagesPath)}.", labelsPath);
        string classesFile = Path.Combine(Path.GetDirectoryName(imagesPath) ?? ".", "classes.txt");
        int classCount = labels.Length == 0 ? 0 : labels.Max() + 1;
        IReadOnlyList<string> names = File.Exists(classesFile)
            ? File.ReadAllLines(classesFile).Select(l => l.Trim()).Where(l => l.Length > 0).ToList()
            : Enumerable.Range(0, classCount).Select(i => i.ToString()).ToList();
        if (names.Count < classCount) throw new DataException($"{classesFile}: {names.Count} class names, but labels go up to {classCount - 1}.", classesFile);
        if (names.Count < 2) throw new DataException($"{imagesPath}: fewer than two classes.", imagesPath);
        var items = new List<LabeledImage>(images.Length);
        for (int i = 0; i < images.Length; i++) items.Add(new LabeledImage(new IdxImageSource(imagesPath, i, images[i], rows, cols), labels[i]));
        return new ImageDataset(items, names, imagesPath);
    }

    private static ImageDataset LoadFolder(string folder, bool channelsLast)
    {
        var classDirs = Directory.GetDirectories(folder).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (classDirs.Count < 2)
            throw new DataException($"{folder}: found {classDirs.Count} class folder(s); an image-folder dataset needs at least two (one subfolder per class).", folder);
        var items = new List<LabeledImage>();
        var names = new List<string>();
        foreach (string dir in classDirs)
        {
            var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Where(f => ImageExtensions.Contains(Path.GetExtension(f)) || IsArray(f)).Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new DataException($"{dir}: the class folder '{Path.GetFileName(dir)}' has no images ({string.Join(", ", ImageExtensions.Concat(ArrayExtensions))}).", dir);
            int label = names.Count;
            names.Add(Path.GetFileName(dir));
            items.AddRange(files.Select(f => new LabeledImage(SourceFor(f, channelsLast), label)));
        }
        return new ImageDataset(items, names, folder);
    }

    /// <summary>Multichannel array files: .npy, .tif, .tiff.</summary>
    public static readonly IReadOnlySet<string> ArrayExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".npy", ".tif", ".tiff" };

    private static bool IsArray(string file) => ArrayExtensions.Contains(Path.GetExtension(file));

    /// <summary>The source for a file: an array (.npy, TIFF) or an 8-bit image.</summary>
    public static IImageSource SourceFor(string file, bool channelsLast = false) =>
        Path.GetExtension(file).Equals(".npy", StringComparison.OrdinalIgnoreCase) ? new NpyImageSource(file, channelsLast)
        : IsArray(file) ? new TiffImageSource(file) : new FileImageSource(file);

    private static ImageDataset LoadCsv(string csvPath, bool channelsLast)
    {
        string[] lines = File.ReadAllLines(csvPath);
        if (lines.Length == 0) throw new DataException($"{csvPath}: the CSV file is empty.", csvPath);
        var header = SplitCsv(lines[0]).Select(h => h.Trim().ToLowerInvariant()).ToList();
        int pathColumn = header.IndexOf("path"), labelColumn = header.IndexOf("label");
        if (pathColumn < 0 || labelColumn < 0)
            throw new DataException($"{csvPath}: the header must have columns 'path' and 'label'; found: {string.Join(", ", header)}.", csvPath);
        string baseDir = Path.GetDirectoryName(Path.GetFullPath(csvPath)) ?? ".";
        var rows = new List<(string file, string label)>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var cells = SplitCsv(lines[i]);
            if (cells.Count != header.Count)
                throw new DataException($"{csvPath}, row {i + 1}: {cells.Count} columns, the header has {header.Count}.", csvPath);
            string file = Path.IsPathRooted(cells[pathColumn]) ? cells[pathColumn] : Path.Combine(baseDir, cells[pathColumn]);
            if (!File.Exists(file)) throw new DataException($"{csvPath}, row {i + 1}: the image '{cells[pathColumn]}' does not exist ({file}).", csvPath);
            string label = cells[labelColumn].Trim();
            if (label.Length == 0) throw new DataException($"{csvPath}, row {i + 1}: empty label.", csvPath);
            rows.Add((file, label));
        }
        var names = rows.Select(r => r.label).Distinct().Order(StringComparer.Ordinal).ToList();
        if (names.Count < 2) throw new DataException($"{csvPath}: {names.Count} class(es); at least two are needed.", csvPath);
        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        return new ImageDataset(rows.Select(r => new LabeledImage(SourceFor(r.file, channelsLast), index[r.label])).ToList(), names, csvPath);
    }

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
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else current.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        cells.Add(current.ToString());
        return cells;
    }
}

/// <summary>Deterministic, stratified splits and per-class subsets.</summary>
public static class StratifiedSplit
{
    /// <summary>
    /// Per class, a seeded shuffle, then round(count * fraction) (at least 1, never all) to validation. A class with fewer
    /// than 2 items cannot be split: an error names it and its count.
    /// </summary>
    public static (int[] train, int[] validation) Split(IReadOnlyList<int> labels, IReadOnlyList<string> classNames, double validationFraction, int seed)
    {
        var random = new Random(seed);
        var train = new List<int>();
        var validation = new List<int>();
        for (int c = 0; c < classNames.Count; c++)
        {
            var members = Enumerable.Range(0, labels.Count).Where(i => labels[i] == c).ToArray();
            if (validationFraction > 0 && members.Length < 2)
                throw new DataException($"class '{classNames[c]}' has {members.Length} image(s); a train/validation split needs at least 2 per class.");
            random.Shuffle(members);
            int take = validationFraction <= 0 ? 0 : Math.Clamp((int)Math.Round(members.Length * validationFraction), 1, members.Length - 1);
            validation.AddRange(members.Take(take));
            train.AddRange(members.Skip(take));
        }
        train.Sort();
        validation.Sort();
        return (train.ToArray(), validation.ToArray());
    }

    /// <summary>At most <paramref name="perClass"/> items of each class, drawn with the seed; sorted indices.</summary>
    public static int[] TakePerClass(IReadOnlyList<int> labels, int perClass, int seed)
    {
        var random = new Random(seed);
        var kept = new List<int>();
        foreach (int c in labels.Distinct().Order())
        {
            var members = Enumerable.Range(0, labels.Count).Where(i => labels[i] == c).ToArray();
            random.Shuffle(members);
            kept.AddRange(members.Take(perClass));
        }
        kept.Sort();
        return kept.ToArray();
    }
}
