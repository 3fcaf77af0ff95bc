using TransferSharp.Sweeps;
using TransferSharp.Training;

namespace TransferSharp.Tests.Sweeps;

/// <summary>Sweeps: the grid, a job array's shares, and plan, run and collect through the CLI.</summary>
public class SweepTests
{
    [Fact]
    public void TheGridExpandsInOrderAndJobArrayWorkersShareIt()
    {
        var plan = SweepPlan.Expand(
            new[] { "feature-extraction", "lp-ft" },
            new[] { 0, 1, 2 },
            new[] { 1e-3, 3e-3 },
            new[] { "--data", "x" }
        );
        Assert.Equal(12, plan.Runs.Count);
        Assert.Equal(Enumerable.Range(0, 12), plan.Runs.Select(r => r.Index));
        Assert.Equal(
            new SweepCell(4, "feature-extraction", 1, 3e-3, "runs/004-feature-extraction-lr0.003-s1"),
            plan.Runs[4]
        );
        Assert.Equal(
            new[]
            {
                "fit",
                "--data",
                "x",
                "--strategy",
                "lp-ft",
                "--seed",
                "2",
                "--lr",
                "0.003",
                "--out",
                Path.Combine("sw", plan.Runs[11].Folder),
                "--overwrite",
            },
            plan.Arguments(plan.Runs[11], "sw")
        );
        // Three workers take every run once: worker i the runs i, i + 3, ...
        var shares = Enumerable.Range(0, 3).Select(i => plan.ForWorker(null, new ShardIndex(i, 3))).ToArray();
        Assert.Equal(new[] { 1, 4, 7, 10 }, shares[1].Select(r => r.Index));
        Assert.Equal(Enumerable.Range(0, 12), shares.SelectMany(s => s).Select(r => r.Index).Order());
        Assert.Equal(new[] { 5 }, plan.ForWorker(5, new ShardIndex(0, 3)).Select(r => r.Index));
        Assert.Throws<OptionException>(() => plan.ForWorker(12, null));
        // The sweep sets these per run; unknown strategies are refused before anything runs.
        var e = Assert.Throws<OptionException>(() =>
            SweepPlan.Expand(new[] { "lp-ft" }, new[] { 0 }, Array.Empty<double>(), new[] { "--seed", "3" })
        );
        Assert.Equal("--seed", e.Option);
        var unknown = Assert.ThrowsAny<Exception>(() =>
            SweepPlan.Expand(new[] { "no-such" }, new[] { 0 }, Array.Empty<double>(), Array.Empty<string>())
        );
        Assert.Contains("no-such", unknown.Message);
    }

    [Fact]
    public void PlanRunAndCollectAsAJobArrayWould()
    {
        string data = TestImages.WriteFolder(TestPaths.NewTempDir("sweep-data"), classes: 2, perClass: 8, size: 32);
        string sweep = Path.Combine(TestPaths.NewTempDir("sweep"), "s");
        var plan = Plan(sweep, "feature-extraction", "--seeds", "0,1,2", "--", "--data", data, "--size", "32");
        Assert.True(plan.code == 0, plan.stderr);
        // Slurm array 1-2 (two workers) takes runs 0 and 2, then 1; a Kubernetes worker re-run skips its finished run.
        var slurm = new Dictionary<string, string>
        {
            ["SLURM_ARRAY_TASK_ID"] = "1",
            ["SLURM_ARRAY_TASK_COUNT"] = "2",
            ["SLURM_ARRAY_TASK_MIN"] = "1",
        };
        var first = CliProcess.RunWith(slurm, "sweep", "run", sweep);
        Assert.True(first.code == 0, first.stderr);
        Assert.Contains("run 0 (", first.stdout);
        Assert.Contains("run 2 (", first.stdout);
        Assert.DoesNotContain("run 1 (", first.stdout);
        var k8s = new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "1", ["TRANSFERSHARP_SHARDS"] = "2" };
        Assert.Equal(0, CliProcess.RunWith(k8s, "sweep", "run", sweep).code);
        var again = CliProcess.RunWith(k8s, "sweep", "run", sweep);
        Assert.Contains("finished before; skipped", again.stdout);

        var collect = CliProcess.Run("sweep", "collect", sweep, "--json");
        Assert.True(collect.code == 0, collect.stderr);
        var lines = File.ReadAllLines(Path.Combine(sweep, SweepSummary.CsvFile));
        Assert.Equal(4, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Contains(",done,0,", l));
        SweepSummary summary = SweepSummary.Collect(sweep);
        SweepGroup group = Assert.Single(summary.Groups);
        Assert.Equal(3, group.Done);
        Assert.Equal(summary.Rows.Average(r => r.ValAccuracy!.Value), group.ValMean!.Value, 10);
        Assert.Contains("feature-extraction", File.ReadAllText(Path.Combine(sweep, "summary.html")));

        // A fit refused (--epochs does not apply to feature extraction) fails its run, recorded with its reason.
        string bad = Path.Combine(TestPaths.NewTempDir("sweep-bad"), "s");
        Assert.Equal(0, Plan(bad, "feature-extraction", "--", "--data", data, "--epochs", "2").code);
        Assert.Equal(1, CliProcess.Run("sweep", "run", bad).code);
        SweepRow failed = Assert.Single(SweepSummary.Collect(bad).Rows);
        Assert.Equal(("failed", 2), (failed.State, failed.ExitCode));
        Assert.Contains("--epochs", failed.Error);
        // Another grid into the same folder is refused; with --overwrite it replaces the plan and the old runs' records
        // go (their folder names would pass for the new grid's). A missing plan names the file.
        var other = Plan(bad, "lp-ft");
        Assert.Equal(2, other.code);
        Assert.Contains("--overwrite", other.stderr);
        Assert.Equal(0, Plan(bad, "feature-extraction", "--overwrite", "--", "--data", data, "--size", "32").code);
        Assert.False(Directory.Exists(Path.Combine(bad, "status")));
        // --index wins over the scheduler's variables, even incomplete ones.
        var pod = CliProcess.RunWith(
            new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "0" },
            "sweep",
            "run",
            bad,
            "--index",
            "0"
        );
        Assert.True(pod.code == 0, pod.stderr);
        Assert.Equal("done", Assert.Single(SweepSummary.Collect(bad).Rows).State);
        // A damaged plan is an error naming it; --overwrite replaces it.
        string damaged = Path.Combine(TestPaths.NewTempDir("sweep-damaged"), "s");
        Directory.CreateDirectory(damaged);
        File.WriteAllText(Path.Combine(damaged, SweepPlan.FileName), "{ not json");
        var refused = Plan(damaged, "feature-extraction");
        Assert.Equal(2, refused.code);
        Assert.Contains(SweepPlan.FileName, refused.stderr);
        Assert.Equal(0, Plan(damaged, "feature-extraction", "--overwrite").code);
        Assert.Single(SweepPlan.Load(damaged).Runs);
        var missing = CliProcess.Run("sweep", "run", Path.Combine(bad, "nothing"));
        Assert.Equal(2, missing.code);
        Assert.Contains("sweep.json", missing.stderr);
    }

    private static (int code, string stdout, string stderr) Plan(
        string folder,
        string strategies,
        params string[] rest
    ) => CliProcess.Run(new[] { "sweep", "plan", "--out", folder, "--strategies", strategies }.Concat(rest).ToArray());
}
