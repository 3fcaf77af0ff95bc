using System.Globalization;
using TransferSharp.IO;
using TransferSharp.Sweeps;

namespace TransferSharp.Reports;

/// <summary>summary.html of a sweep: each strategy and learning rate over its seeds (mean and deviation), and every
/// run with its state, scores, time and folder.</summary>
public static class SweepPage
{
    /// <summary>The page's file in the sweep folder.</summary>
    public const string FileName = "summary.html";

    /// <summary>Writes the page for <paramref name="summary"/> into <paramref name="folder"/>; returns its
    /// path.</summary>
    public static string Write(string folder, SweepSummary summary)
    {
        var page = new HtmlPage();
        string N(double? x) => HtmlPage.Number(x);
        string Rate(double? lr) => SweepPlan.RateText(lr) ?? "strategy's own";
        string MeanStd(double? mean, double? std)
        {
            if (mean is null)
                return "–";
            return N(mean) + (std is { } s ? $" ± {N(s)}" : "");
        }
        int done = summary.Rows.Count(r => r.State == "done"),
            failed = summary.Rows.Count(r => r.State == "failed");
        var best = summary.Groups.Where(g => g.ValMean is not null).OrderByDescending(g => g.ValMean).FirstOrDefault();
        page.Section(
            "summary",
            "Summary",
            () =>
                page.Facts(
                    new (string, string?)[]
                    {
                        (
                            "runs",
                            $"{summary.Rows.Count}: {done} done, {failed} failed, "
                                + $"{summary.Rows.Count - done - failed} pending"
                        ),
                        (
                            "best on validation",
                            best is null
                                ? "no run has finished"
                                : $"{best.Strategy}, lr {Rate(best.LearningRate)}: validation "
                                    + $"{MeanStd(best.ValMean, best.ValStd)}, test "
                                    + $"{MeanStd(best.TestMean, best.TestStd)} ({best.Done} seeds)"
                        ),
                    }
                )
        );
        page.Section(
            "groups",
            "Strategies and rates over seeds",
            () =>
                page.Table(
                    new[] { "strategy", "lr", "runs done", "validation", "test" },
                    summary.Groups.Select(g =>
                        (IReadOnlyList<string>)
                            new[]
                            {
                                g.Strategy,
                                Rate(g.LearningRate),
                                $"{g.Done} / {g.Runs}",
                                MeanStd(g.ValMean, g.ValStd),
                                MeanStd(g.TestMean, g.TestStd),
                            }
                    ),
                    new HashSet<int> { 2, 3, 4 }
                )
        );
        page.Section(
            "runs",
            "Every run",
            () =>
                page.Table(
                    new[] { "index", "strategy", "lr", "seed", "state", "validation", "test", "seconds", "folder" },
                    summary.Rows.Select(r =>
                        (IReadOnlyList<string>)
                            new[]
                            {
                                r.Cell.Index.ToString(CultureInfo.InvariantCulture),
                                r.Cell.Strategy,
                                Rate(r.Cell.LearningRate),
                                r.Cell.Seed.ToString(CultureInfo.InvariantCulture),
                                r.State
                                    + (r.State == "failed" ? $" (exit {r.ExitCode}: {r.Error ?? "no message"})" : ""),
                                N(r.ValAccuracy),
                                N(r.TestAccuracy),
                                N(r.Seconds),
                                r.Cell.Folder,
                            }
                    ),
                    new HashSet<int> { 0, 3, 5, 6, 7 }
                )
        );
        string path = Path.Combine(folder, FileName);
        AtomicFile.WriteAllText(
            path,
            page.Build("TransferSharp sweep", $"{Path.GetFullPath(folder)} · {summary.Rows.Count} runs")
        );
        return path;
    }
}
