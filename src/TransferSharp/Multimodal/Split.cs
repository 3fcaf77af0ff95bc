using TransferSharp.Data;

namespace TransferSharp.Multimodal;

/// <summary>The training CSV read and checked (columns, labels, images), split into train and validation; the test
/// CSV likewise.</summary>
internal sealed class Split
{
    public required RecordTable Table { get; init; }
    public required int ImageColumn { get; init; }
    public required int LabelColumn { get; init; }
    public required IReadOnlyList<string> Columns { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    public required int[] Labels { get; init; }
    public required int[] TrainRows { get; init; }
    public required int[] ValidationRows { get; init; }
    public required IImageSource?[] TrainSources { get; init; }
    public RecordTable? Test { get; init; }
    public IImageSource?[]? TestSources { get; init; }
    public int[]? TestLabels { get; init; }

    public static Split Read(MultimodalOptions options, List<string> warnings)
    {
        RecordTable table = RecordTable.Load(options.Data);
        int image = ImageBranch.Column(table, options.ImageColumn);
        int label = table.Column(options.LabelColumn, "label");
        var columns = RecordEncoder.Select(table, options.Columns, table.Header[image], table.Header[label]);
        if (columns.Count == 0)
            throw new DataException(
                $"{table.Path}: no record columns beside the image and the label; `fit` trains on images alone.",
                table.Path
            );
        foreach (string named in options.ColumnKinds.Keys)
            if (!columns.Contains(named, StringComparer.OrdinalIgnoreCase))
                throw new OptionException(
                    "--column-types",
                    named,
                    $"not a record column of {table.Path} (record columns: {string.Join(", ", columns)})."
                );
        foreach (string column in columns)
            if (column.Equals(table.Header[label], StringComparison.OrdinalIgnoreCase))
                throw new DataException($"{table.Path}: the label column '{column}' cannot be a record column.");
        var names = table
            .Rows.Select((r, i) => Label(table, label, i))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (names.Length < 2)
            throw new DataException(
                $"{table.Path}: the label column '{table.Header[label]}' has {names.Length} class "
                    + $"('{names.FirstOrDefault()}'); at least two are needed.",
                table.Path
            );
        int[] labels = table.Rows.Select((_, i) => Array.IndexOf(names, Label(table, label, i))).ToArray();
        var all = Enumerable.Range(0, table.Rows.Count).ToArray();
        IImageSource?[] sources = ImageBranch.Sources(table, image, all, out int notFound);
        if (sources.All(s => s is null))
            throw new DataException(
                $"{table.Path}: none of the {table.Rows.Count} rows names an image file that exists (column "
                    + $"'{table.Header[image]}', paths relative to the CSV's folder; first: "
                    + $"'{table.Rows[0][image]}').",
                table.Path
            );
        if (notFound > 0)
            warnings.Add($"{table.Path}: {notFound} image file(s) not found; those rows train without an image.");
        int[] train,
            validation;
        try
        {
            (train, validation) = StratifiedSplit.Split(labels, names, options.ValidationFraction, options.Seed);
        }
        catch (DataException e)
        {
            throw new DataException($"{table.Path}: {e.Message}", table.Path, e);
        }
        var split = new Split
        {
            Table = table,
            ImageColumn = image,
            LabelColumn = label,
            Columns = columns,
            ClassNames = names,
            Labels = labels,
            TrainRows = train,
            ValidationRows = validation,
            TrainSources = sources,
        };
        return options.Test is null ? split : split.WithTest(options.Test, warnings);
    }

    private Split WithTest(string path, List<string> warnings)
    {
        RecordTable test = RecordTable.Load(path);
        int label = test.Column(Table.Header[LabelColumn], "label");
        int image = test.Column(Table.Header[ImageColumn], "image");
        foreach (string column in Columns)
            test.Column(column, "record");
        var labels = new int[test.Rows.Count];
        for (int i = 0; i < labels.Length; i++)
        {
            string name = Label(test, label, i);
            labels[i] = ClassNames.ToList().IndexOf(name);
            if (labels[i] < 0)
                throw new DataException(
                    $"{test.Path}, row {test.FileRow(i)}: the label '{name}' is not one of the training classes "
                        + $"({string.Join(", ", ClassNames)}).",
                    test.Path
                );
        }
        var sources = ImageBranch.Sources(test, image, Enumerable.Range(0, labels.Length).ToArray(), out int notFound);
        if (notFound > 0)
            warnings.Add($"{test.Path}: {notFound} image file(s) not found; those rows predict without an image.");
        return new Split
        {
            Table = Table,
            ImageColumn = ImageColumn,
            LabelColumn = LabelColumn,
            Columns = Columns,
            ClassNames = ClassNames,
            Labels = Labels,
            TrainRows = TrainRows,
            ValidationRows = ValidationRows,
            TrainSources = TrainSources,
            Test = test,
            TestSources = sources,
            TestLabels = labels,
        };
    }

    private static string Label(RecordTable table, int column, int row)
    {
        string value = table.Rows[row][column];
        if (ColumnEncoder.IsMissing(value))
            throw new DataException($"{table.Path}, row {table.FileRow(row)}: empty label.", table.Path);
        return value;
    }
}
