using System.Globalization;
using TransferSharp.IO;
using TransferSharp.Learning;

namespace TransferSharp.Sweeps;

/// <summary>A sweep's runs collected: one row each and one group per strategy and learning rate (seeds
/// pooled).</summary>
public sealed record SweepSummary(IReadOnlyList<SweepRow> Rows, IReadOnlyList<SweepGroup> Groups)
{
    /// <summary>The table's file in the sweep folder.</summary>
    public const string CsvFile = "summary.csv";

    /// <summary>Reads every run of the sweep in <paramref name="folder"/>; a run without its files is pending, or
    /// failed when its last attempt exited non-zero.</summary>
    public static SweepSummary Collect(string folder)
    {
        SweepPlan plan = SweepPlan.Load(folder);
        var rows = plan.Runs.Select(cell => Row(folder, cell)).ToArray();
        var groups = rows.GroupBy(r => (r.Cell.Strategy, r.Cell.LearningRate))
            .Select(g =>
            {
                var done = g.Where(r => r.State == "done").ToArray();
                var (valMean, valStd) = Moments(done.Select(r => r.ValAccuracy));
                var (testMean, testStd) = Moments(done.Select(r => r.TestAccuracy));
                return new SweepGroup(
                    g.Key.Strategy,
                    g.Key.LearningRate,
                    g.Count(),
                    done.Length,
                    valMean,
                    valStd,
                    testMean,
                    testStd
                );
            })
            .ToArray();
        return new SweepSummary(rows, groups);
    }

    /// <summary>Whether the run of <paramref name="cell"/> finished (its folder holds a complete, checksummed
    /// run).</summary>
    public static bool IsDone(string folder, SweepCell cell)
    {
        string run = Path.Combine(folder, cell.Folder);
        return Runs.RunFolder.RunMarkers.All(m => File.Exists(Path.Combine(run, m)))
            && File.Exists(Path.Combine(run, Runs.RunFolder.ChecksumFile));
    }

    /// <summary>Writes summary.csv into <paramref name="folder"/>; returns its path.</summary>
    public string WriteCsv(string folder)
    {
        string F(double? x) => x?.ToString("R", CultureInfo.InvariantCulture) ?? "";
        var lines = new List<string>
        {
            "index,strategy,seed,lr,state,exit_code,val_accuracy,test_accuracy,seconds,folder,error",
        };
        foreach (SweepRow r in Rows)
            lines.Add(
                string.Join(
                    ",",
                    r.Cell.Index.ToString(CultureInfo.InvariantCulture),
                    Data.DatasetLoader.QuoteCsv(r.Cell.Strategy),
                    r.Cell.Seed.ToString(CultureInfo.InvariantCulture),
                    F(r.Cell.LearningRate),
                    r.State,
                    r.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "",
                    F(r.ValAccuracy),
                    F(r.TestAccuracy),
                    F(r.Seconds),
                    Data.DatasetLoader.QuoteCsv(r.Cell.Folder),
                    Data.DatasetLoader.QuoteCsv(r.Error ?? "")
                )
            );
        string path = Path.Combine(folder, CsvFile);
        AtomicFile.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    private static SweepRow Row(string folder, SweepCell cell)
    {
        SweepStatus? status = SweepStatus.Load(folder, cell.Index);
        if (!IsDone(folder, cell))
            return new SweepRow(
                cell,
                status is { ExitCode: not 0 } ? "failed" : "pending",
                null,
                null,
                null,
                status?.ExitCode,
                status is { ExitCode: not 0 } ? status.Error : null
            );
        string metrics = Path.Combine(folder, cell.Folder, "metrics.json");
        FitReport report = Json.Read<FitReport>(metrics);
        return new SweepRow(cell, "done", report.ValAccuracy, report.TestAccuracy, report.SecondsTotal, 0);
    }

    private static (double? mean, double? std) Moments(IEnumerable<double?> values)
    {
        var x = values.Where(v => v is not null).Select(v => v!.Value).ToArray();
        if (x.Length == 0)
            return (null, null);
        double mean = x.Average();
        double? std = x.Length > 1 ? Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / (x.Length - 1)) : null;
        return (mean, std);
    }
}
