using System.Globalization;
using Spectre.Console;
using TransferSharp.Data;
using TransferSharp.IO;
using TransferSharp.Multimodal;

namespace TransferSharp.Cli.Commands;

/// <summary>predict and evaluate of a run written by `fuse`: a CSV of the same columns in, both modalities
/// used.</summary>
internal static class MultimodalRuns
{
    /// <summary>Predicts the rows of the one CSV in <paramref name="inputs"/>; writes row,image,label,probability and
    /// what each row had, and a JSON record of what was missing beside an output file.</summary>
    public static int Predict(string runDir, string[] inputs, string? outPath, CancellationToken cancellation)
    {
        if (inputs.Length != 1 || !inputs[0].EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            throw new DataException(
                $"{runDir}: a multimodal run (fuse) predicts one CSV of its columns (image path and record); got "
                    + $"{string.Join(" ", inputs)}."
            );
        MultimodalPredictions result = Run(runDir, inputs[0], outPath is not null, cancellation);
        using (StreamWriter? file = outPath is null ? null : new StreamWriter(outPath))
        {
            TextWriter writer = file ?? Console.Out;
            writer.WriteLine("row,image,label,probability,has_image,has_record");
            foreach (MultimodalPrediction p in result.Rows)
                writer.WriteLine(
                    $"{p.Row},{DatasetLoader.QuoteCsv(p.Image)},{DatasetLoader.QuoteCsv(p.Label)},"
                        + $"{p.Probability.ToString("F6", CultureInfo.InvariantCulture)},"
                        + $"{(p.HasImage ? 1 : 0)},{(p.HasRecord ? 1 : 0)}"
                );
        }
        Tell(result);
        if (outPath is not null)
        {
            Json.Write(outPath + ".json", Record(inputs[0], result));
            Console.WriteLine($"{result.Rows.Count} predictions written to {outPath} (missing values: {outPath}.json)");
        }
        return 0;
    }

    /// <summary>Accuracy on a labelled CSV; writes the JSON report.</summary>
    public static int Evaluate(string runDir, string? data, string? outPath, CancellationToken cancellation)
    {
        if (data is null)
            throw new DataException($"{runDir}: a multimodal run is evaluated on a labelled CSV: give --data.");
        MultimodalPredictions result = Run(runDir, data, true, cancellation);
        if (result.Accuracy is not { } accuracy)
            throw new DataException(Unlabelled(data, runDir));
        Tell(result);
        string path = outPath ?? Path.Combine(runDir, "evaluation.json");
        Json.Write(path, Record(data, result));
        Console.WriteLine($"accuracy: {accuracy:F4} on {result.Rows.Count} rows (report: {path})");
        return 0;
    }

    /// <summary>Covariate shift of the record's columns and the image between two CSVs; writes the JSON
    /// report.</summary>
    public static int Diagnose(
        string runDir,
        string source,
        string target,
        Analysis.ShiftDiagnosisOptions options,
        string? outPath
    )
    {
        using MultimodalModel model = MultimodalModel.Load(runDir);
        RecordTable a = RecordTable.Load(source),
            b = RecordTable.Load(target);
        RecordShiftReport report = ConsoleProgress.Run(progress =>
            RecordShift.Diagnose(model, a, b, options.Alpha, options.Permutations, progress, CacheLocation.Default())
        );
        var table = new Table()
            .AddColumn("column")
            .AddColumn("test")
            .AddColumn("statistic")
            .AddColumn("p")
            .AddColumn("p (Holm)")
            .AddColumn("missing (source / target)")
            .AddColumn("shifted");
        foreach (ColumnShift t in report.Tests)
            table.AddRow(
                Markup.Escape(t.Column),
                t.Test,
                t.Statistic.ToString("G4", CultureInfo.InvariantCulture),
                t.PValue.ToString("G3", CultureInfo.InvariantCulture),
                t.PAdjusted.ToString("G3", CultureInfo.InvariantCulture),
                $"{t.SourceMissing} / {t.TargetMissing}",
                t.Shifted ? "yes" : "no"
            );
        AnsiConsole.Write(table);
        string path = outPath ?? Path.Combine(runDir, "diagnosis.json");
        Json.Write(path, report);
        if (outPath is null)
            Reports.RunReport.Write(runDir); // the report shows the diagnosis beside the run
        var shifted = report.Tests.Where(t => t.Shifted).Select(t => t.Column).ToArray();
        Console.WriteLine(
            (
                shifted.Length == 0
                    ? $"no column shifted at alpha {report.Alpha} (Holm-corrected over {report.Tests.Count} tests)"
                    : $"covariate shift in {string.Join(", ", shifted)} (Holm-corrected, alpha {report.Alpha})"
            ) + $"; report: {path}"
        );
        return 0;
    }

    // Names the label column when it is missing, else the first row whose label is not a class of the run.
    private static string Unlabelled(string csv, string runDir)
    {
        using MultimodalModel model = MultimodalModel.Load(runDir);
        RecordTable table = RecordTable.Load(csv);
        var names = model.Manifest.ClassNames;
        int column = table.Find(model.Manifest.LabelColumn);
        if (column < 0)
            return $"{csv}: no label column '{model.Manifest.LabelColumn}' to evaluate on.";
        int row = Enumerable.Range(0, table.Rows.Count).First(r => !names.Contains(table.Rows[r][column]));
        return $"{csv}, row {table.FileRow(row)}: the label '{table.Rows[row][column]}' is not one of the run's "
            + "classes "
            + $"({string.Join(", ", names)}).";
    }

    private static MultimodalPredictions Run(string runDir, string csv, bool showProgress, CancellationToken token)
    {
        using MultimodalModel model = MultimodalModel.Load(runDir);
        RecordTable table = RecordTable.Load(csv);
        return showProgress
            ? ConsoleProgress.Run(progress => model.Predict(table, progress, CacheLocation.Default(), token))
            : model.Predict(table, null, CacheLocation.Default(), token);
    }

    private static object Record(string csv, MultimodalPredictions result) =>
        new
        {
            data = csv,
            rows = result.Rows.Count,
            accuracy = result.Accuracy,
            without_image = result.WithoutImage,
            images_not_found = result.ImagesNotFound,
            bad_images = result.BadImages.Select(b => b.Reason),
            without_record = result.Rows.Count(r => !r.HasRecord),
            columns = result.Columns,
        };

    private static void Tell(MultimodalPredictions result)
    {
        if (result.WithoutImage > 0)
            Console.Error.WriteLine(
                $"{result.WithoutImage} row(s) without an image ({result.ImagesNotFound} file(s) not found, "
                    + $"{result.BadImages.Count} undecodable): predicted from the record"
            );
        foreach (ColumnCounts c in result.Columns.Where(c => c.Missing > 0 || c.Unknown > 0))
            Console.Error.WriteLine(
                $"column '{c.Column}': {c.Missing} missing value(s), {c.Unknown} unseen categor(ies) read as unknown"
            );
    }
}
