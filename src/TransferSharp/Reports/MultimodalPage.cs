using System.Globalization;
using TransferSharp.IO;
using TransferSharp.Multimodal;

namespace TransferSharp.Reports;

/// <summary>The report page of a multimodal run (fuse): the data, every candidate, the choice and why, what the model
/// uses, the record's encoding and, after `diagnose`, the shift tests.</summary>
internal static class MultimodalPage
{
    public static string Render(string runFolder)
    {
        var r = Json.Read<MultimodalReport>(Path.Combine(runFolder, "metrics.json"));
        var page = new HtmlPage();
        string Text(double? value) => HtmlPage.Number(value);
        string Count(IReadOnlyDictionary<string, int> counts) =>
            string.Join(" · ", counts.Select(c => $"{c.Key} {c.Value}"));
        page.Section(
            "data",
            "Data",
            () =>
                page.Facts(
                    new (string, string?)[]
                    {
                        (
                            "backbone",
                            $"{r.Backbone} at {r.InputSize} px ("
                                + (r.ImageBranch == "frozen" ? "frozen" : $"tuned by {r.ImageBranch} first")
                                + ")"
                        ),
                        ("classes", $"{r.ClassNames.Count}: {string.Join(", ", r.ClassNames.Take(20))}"),
                        ("rows", $"training {r.TrainRows} · validation {r.ValRows} · test {r.TestRows}"),
                        ("rows without an image", Count(r.MissingImages)),
                        ("rows without a record", Count(r.MissingRecords)),
                        ("kept", MultimodalLearner.Name(r.Chosen)),
                        ("validation accuracy", Text(r.ValAccuracy)),
                        ("test accuracy", Text(r.TestAccuracy)),
                        ("seconds", $"{Text(r.SecondsTotal)} ({Text(r.SecondsExtraction)} in the frozen pass)"),
                    }
                )
        );
        page.Section(
            "models",
            "Which model",
            () =>
            {
                page.Paragraph(r.Advice);
                page.Table(
                    new[] { "model", "validation", "validation log-loss", "test", "best epoch", "seconds" },
                    r.Candidates.Select(c =>
                        (IReadOnlyList<string>)
                            new[]
                            {
                                MultimodalLearner.Name(c.Model) + (c.Model == r.Chosen ? " (kept)" : ""),
                                Text(c.ValAccuracy),
                                Text(c.ValLogLoss),
                                Text(c.TestAccuracy) is { Length: > 0 } t ? t : "–",
                                c.BestEpoch?.ToString(CultureInfo.InvariantCulture) ?? "–",
                                Text(c.Seconds),
                            }
                    ),
                    new HashSet<int> { 1, 2, 3, 4, 5 }
                );
                if (r.Joint is { } joint)
                    page.Paragraph(
                        $"Joint tuning of the image branch with {MultimodalLearner.Name(joint.Model)} ({joint.Epochs} "
                            + $"epochs, {joint.Unfreeze} unfreezing; rates "
                            + string.Join(", ", joint.Rates.Select(kv => $"{kv.Key} {kv.Value:G3}"))
                            + $"): validation {Text(joint.ValBefore)} → {Text(joint.ValAfter)}"
                            + (
                                joint.TestAfter is not null
                                    ? $", test {Text(joint.TestBefore)} → {Text(joint.TestAfter)}"
                                    : ""
                            )
                            + (
                                joint.Kept
                                    ? $"; epoch {joint.BestEpoch} kept."
                                    : "; no epoch improved on the frozen start: " + "the frozen model kept."
                            )
                    );
            }
        );
        page.Section(
            "importance",
            "What the kept model uses",
            () =>
            {
                page.Paragraph(
                    "Validation accuracy lost when one column (or the image) is shuffled across rows: the model meets "
                        + "it with another row's value."
                );
                page.Table(
                    new[] { "feature", "accuracy lost" },
                    r.Importance.Select(i => (IReadOnlyList<string>)new[] { i.Feature, Text(i.AccuracyDrop) }),
                    new HashSet<int> { 1 }
                );
            }
        );
        page.Section(
            "record",
            "The record",
            () =>
                page.Table(
                    new[] { "column", "kind", "encoded width", "categories kept / seen", "missing in training" },
                    r.Columns.Select(c =>
                        (IReadOnlyList<string>)
                            new[]
                            {
                                c.Name,
                                c.Type.ToString().ToLowerInvariant(),
                                c.Width.ToString(CultureInfo.InvariantCulture)
                                    + (c.Embedding is { } e ? $" (index into an embedding of width {e})" : ""),
                                c.Categories is { } k ? $"{k} / {c.Distinct}" : "–",
                                c.Missing.ToString(CultureInfo.InvariantCulture),
                            }
                    ),
                    new HashSet<int> { 2, 4 }
                )
        );
        Diagnosis(page, Path.Combine(runFolder, "diagnosis.json"));
        if (r.Warnings.Count > 0)
            page.Section(
                "warnings",
                "Warnings",
                () => page.Table(new[] { "warning" }, r.Warnings.Select(w => (IReadOnlyList<string>)new[] { w }))
            );
        string folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(runFolder)));
        return page.Build(
            "TransferSharp run report",
            $"image + record ({MultimodalLearner.Name(r.Chosen)}) on {r.Backbone} · run folder {folder}"
        );
    }

    private static void Diagnosis(HtmlPage page, string path)
    {
        if (!File.Exists(path))
            return;
        RecordShiftReport? report;
        try
        {
            report = Json.Read<RecordShiftReport>(path);
        }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException)
        {
            return;
        }
        if (report?.Tests is null)
            return;
        page.Section(
            "diagnosis",
            "Shift between source and target",
            () =>
            {
                page.Paragraph(
                    $"{report.Source} ({report.SourceRows} rows) against {report.Target} ({report.TargetRows} rows); "
                        + $"p-values Holm-corrected over {report.Tests.Count} tests, alpha {report.Alpha}."
                );
                page.Table(
                    new[] { "column", "test", "statistic", "p", "p (Holm)", "shifted" },
                    report.Tests.Select(t =>
                        (IReadOnlyList<string>)
                            new[]
                            {
                                t.Column,
                                t.Test,
                                Text(t.Statistic),
                                HtmlPage.PValue(t.PValue),
                                HtmlPage.PValue(t.PAdjusted),
                                t.Shifted ? "yes" : "no",
                            }
                    ),
                    new HashSet<int> { 2, 3, 4 }
                );
            }
        );

        static string Text(double value) => HtmlPage.Number(value);
    }
}
