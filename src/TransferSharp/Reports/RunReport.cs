using System.Globalization;
using TransferSharp.IO;
using TransferSharp.Learning;

namespace TransferSharp.Reports;

/// <summary>
/// The run report: one self-contained HTML page (report.html) of a run folder, for reading in any browser offline. It
/// shows what was run and why, the learning curves, the confusion matrix, the worst-scored images and the analyses,
/// each section only when the folder holds its data; plots and images are inline PNGs, the style sheet is inline, and
/// the page loads nothing and runs no script.
/// </summary>
public static class RunReport
{
    /// <summary>The report's file name in a run folder.</summary>
    public const string FileName = "report.html";

    /// <summary>Writes report.html into <paramref name="runFolder"/> (from the files there) and returns its full
    /// path.</summary>
    /// <exception cref="FileNotFoundException">The folder has no metrics.json.</exception>
    public static string Write(string runFolder)
    {
        string path = Path.GetFullPath(Path.Combine(runFolder, FileName));
        AtomicFile.WriteAllText(path, Render(runFolder));
        return path;
    }

    /// <summary>The report of <paramref name="runFolder"/> as HTML text.</summary>
    /// <exception cref="FileNotFoundException">The folder has no metrics.json.</exception>
    public static string Render(string runFolder)
    {
        if (Multimodal.MultimodalModel.IsRun(runFolder))
            return MultimodalPage.Render(runFolder);
        var sources = ReportSources.Load(runFolder);
        var page = new HtmlPage();
        Header(page, sources.Record);
        DecisionSection.Add(page, sources.Record);
        CurvesSection.Add(page, sources.Record);
        PredictionSections.Add(page, sources);
        AnalysisSections.Add(page, sources);
        DiagnosisSection.Add(page, sources.Diagnosis);
        if (sources.Problems.Count > 0)
            page.Section(
                "notes",
                "Files that could not be read",
                () => page.Table(new[] { "problem" }, sources.Problems.Select(p => new[] { p }))
            );
        string folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(runFolder)));
        return page.Build(
            "TransferSharp run report",
            $"{sources.Record.Strategy} on {sources.Record.Backbone} · run folder {folder}"
        );
    }

    private static void Header(HtmlPage page, FitReport r)
    {
        string Int(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "–";
        string images = $"training {Int(r.TrainImages)} · validation {Int(r.ValImages)}";
        if (r.TestImages is { } test)
            images += $" · test {Int(test)}";
        const int listed = 20;
        string classes =
            $"{r.Classes.Count}: {string.Join(", ", r.Classes.Take(listed))}"
            + (r.Classes.Count > listed ? $", … ({r.Classes.Count - listed} more)" : "");
        page.Facts(
            new (string, string?)[]
            {
                ("strategy", r.Strategy),
                ("backbone", r.Backbone),
                ("input size", $"{r.InputSize} px"),
                ("classes", classes),
                ("images", images),
                ("validation accuracy", Scored(r.ValAccuracy, r.ValLoss)),
                ("test accuracy", r.TestAccuracy is null ? null : HtmlPage.Percent(r.TestAccuracy)),
                ("head", r.Head),
                ("frozen pass", FrozenPass(r.FrozenPrecision)),
                ("training precision", TrainingPrecision(r)),
                ("best epoch", r.BestEpoch?.ToString(CultureInfo.InvariantCulture)),
                ("restored epoch", r.RestoredEpoch?.ToString(CultureInfo.InvariantCulture)),
                ("stopped", r.StopReason),
                ("failure", r.Failure),
                ("test-time augmentation", r.TestTimeAugmentation),
                ("adapter warning", r.AdapterWarning),
                ("skipped images", r.SkippedImages.Count > 0 ? Int(r.SkippedImages.Count) : null),
                ("total time", $"{HtmlPage.Number(r.SecondsTotal, "0.0")} s"),
                ("seed", Int(r.Seed)),
                ("device", r.Device.Length > 0 ? r.Device : null),
                ("allocator", r.Allocator.Length > 0 ? r.Allocator : null),
            }
        );
    }

    private static string? FrozenPass(Strategies.FrozenPrecisionReport? p) =>
        p is null ? null
        : p.Reason is { } reason ? $"{p.Used} ({p.Requested} asked for: {reason})"
        : p.CheckAccuracyFp32 is { } fp32 && p.CheckAccuracyInt8 is { } int8
            ? $"{p.Used} (check: probe {HtmlPage.Percent(int8)} on int8 features against {HtmlPage.Percent(fp32)} on "
                + $"fp32, {(p.CheckImages ?? 0).ToString(CultureInfo.InvariantCulture)} images)"
        : p.Used;

    private static string? TrainingPrecision(FitReport r) =>
        r.TrainingPrecision is not { } p ? (r.Training?.Precision == Training.TrainingPrecision.Bf16 ? "bf16" : null)
        : p.Reason is { } reason ? $"{p.Used} (auto: {reason})"
        : $"{p.Used} (auto: bf16's gradient error {HtmlPage.Number(p.GradientError)} against a minibatch noise of "
            + $"{HtmlPage.Number(p.MinibatchNoise)}, {(p.CheckImages ?? 0).ToString(CultureInfo.InvariantCulture)} "
            + "training images)";

    private static string? Scored(double? accuracy, double? loss) =>
        accuracy is null ? null
        : loss is null ? HtmlPage.Percent(accuracy)
        : $"{HtmlPage.Percent(accuracy)} (loss {HtmlPage.Number(loss)})";
}
