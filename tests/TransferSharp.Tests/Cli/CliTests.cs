using System.Diagnostics;

namespace TransferSharp.Tests.Cli;

public class CliTests
{
    private static (int code, string stdout, string stderr) Run(params string[] args) => CliProcess.Run(args);

    private static (int code, string stdout, string stderr) RunWith(
        IReadOnlyDictionary<string, string> environment,
        params string[] args
    ) => CliProcess.RunWith(environment, args);

    [Fact]
    public void FitPredictAndEvaluateFromTheCommandLine()
    {
        string data = TestImages.WriteFolder(TestPaths.NewTempDir("cli-data"), classes: 2, perClass: 8, size: 32);
        string run = TestPaths.NewTempDir("cli-run");
        var fit = Run(
            "fit",
            "--data",
            data,
            "--test",
            data,
            "--size",
            "32",
            "--head-steps",
            "50",
            "--split-seed",
            "3",
            "--out",
            run
        );
        Assert.True(fit.code == 0, fit.stderr + fit.stdout);
        var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
        Assert.Equal(3, config.RootElement.GetProperty("data").GetProperty("split_seed").GetInt32());
        Assert.Contains("test accuracy:", fit.stdout);
        Assert.True(File.Exists(Path.Combine(run, "metrics.json")));
        // Without --strategy: auto with the fast preset, recorded.
        var record = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        Assert.Equal("fast", record.RootElement.GetProperty("preset").GetProperty("preset").GetString());
        // The record names the allocator: tcmalloc, preloaded by the CLI's relaunch, wherever it is installed.
        string allocator = System
            .Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")))
            .RootElement.GetProperty("allocator")
            .GetString()!;
        if (TransferSharp.Engine.NativeAllocator.TcmallocPaths.Any(File.Exists))
            Assert.Contains("tcmalloc", allocator);
        else
            Assert.StartsWith("glibc malloc", allocator);

        string csv = Path.Combine(run, "predictions.csv");
        var predict = Run("predict", run, Path.Combine(data, "class1"), "--out", csv);
        Assert.True(predict.code == 0, predict.stderr);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal("path,label,probability", lines[0]);
        Assert.Equal(9, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Matches(@"class1/img\d+\.png,class\d,[01]\.\d{6}$", l));

        var evaluate = Run("evaluate", run, "--data", data);
        Assert.True(evaluate.code == 0, evaluate.stderr);
        Assert.Contains("accuracy:", evaluate.stdout);
        Assert.True(File.Exists(Path.Combine(run, "evaluation.json")));
    }

    [Fact]
    public void RunFoldersAreGuardedAndAnInterruptedFitResumes()
    {
        string data = TestImages.WriteFolder(TestPaths.NewTempDir("cli-data"), classes: 2, perClass: 8, size: 32);
        string parent = TestPaths.NewTempDir("cli-resume");
        string run = Path.Combine(parent, "run");
        string[] fit = { "fit", "--data", data, "--size", "32", "--head-steps", "20", "--out", run };
        Assert.Equal(0, Run(fit).code);
        var again = Run(fit);
        Assert.Equal(2, again.code);
        Assert.Contains("--overwrite", again.stderr);
        Assert.Equal(0, Run(fit.Append("--overwrite").ToArray()).code);
        Assert.False(Directory.Exists(Path.Combine(parent, ".run.checkpoint")), "checkpoints kept after the save");

        // A fit killed before its first epoch ended: an empty run folder and, beside it, its command line.
        string interrupted = Path.Combine(parent, "interrupted");
        Directory.CreateDirectory(interrupted);
        string checkpoints = Path.Combine(parent, ".interrupted.checkpoint");
        Directory.CreateDirectory(checkpoints);
        var command = new
        {
            directory = Environment.CurrentDirectory,
            arguments = new[] { "--data", data, "--size", "32", "--head-steps", "20", "--out", interrupted },
        };
        File.WriteAllText(
            Path.Combine(checkpoints, "command.json"),
            System.Text.Json.JsonSerializer.Serialize(command)
        );
        var predict = Run("predict", interrupted, data);
        Assert.Equal(2, predict.code);
        Assert.Contains($"fit --resume {interrupted}", predict.stderr);
        var resumed = Run("fit", "--resume", interrupted);
        Assert.True(resumed.code == 0, resumed.stderr + resumed.stdout);
        Assert.Contains("training from the beginning", resumed.stdout + resumed.stderr);
        Assert.True(File.Exists(Path.Combine(interrupted, "model.json")));
        Assert.False(Directory.Exists(checkpoints));
        var nothing = Run("fit", "--resume", interrupted);
        Assert.Equal(2, nothing.code);
        Assert.Contains("no interrupted fit to resume", nothing.stderr);
    }

    [Fact]
    public void BadInputGivesOneClearLineAndNoStackTrace()
    {
        var (code, _, stderr) = Run("fit", "--data", "/no/such/folder", "--out", TestPaths.NewTempDir("cli-run"));
        Assert.Equal(2, code);
        Assert.Contains("/no/such/folder", stderr);
        Assert.DoesNotContain("   at ", stderr);
        // A refused fit: exit code 2, the message, no stack trace.
        void Refused(string message, params string[] args)
        {
            var refused = Run(["fit", .. args, "--out", TestPaths.NewTempDir("cli-run")]);
            Assert.Equal(2, refused.code);
            Assert.Contains(message, refused.stderr);
            Assert.DoesNotContain("   at ", refused.stderr);
        }
        Refused("Available: feature-extraction", "--strategy", "magic");
        Refused("--bn-stats sometimes: expected frozen or batch", "--strategy", "lp-ft", "--bn-stats", "sometimes");
        // Library limits reach the user as the flag they typed; an option of another strategy is refused.
        Refused("--epochs 0: must be between 1 and 10000.", "--strategy", "fine-tune", "--epochs", "0");
        Refused(
            "--freeze-to: applies to fine-tune, not to --strategy lp-ft.",
            "--strategy",
            "lp-ft",
            "--freeze-to",
            "2"
        );
        Refused(
            "--features: applies to feature-extraction, the fine-tuning strategies",
            "--strategy",
            "bn-only",
            "--features",
            "stage3"
        );
        Refused(
            "unknown layer group(s) stage9; the groups of resnet18-imagenet are",
            "--strategy",
            "lp-ft",
            "--features",
            "stage9"
        );
        // fit's default is auto's fast preset: frozen features only, so a network flag is refused with the way out.
        var headSteps = Run("fit", "--epochs", "5", "--out", TestPaths.NewTempDir("cli-run"));
        Assert.Contains("--epochs: applies to network strategies, auto (not --preset fast)", headSteps.stderr);
        Assert.Contains("add --preset balanced", headSteps.stderr);
        foreach (string limit in new[] { "soon", "-5m", "0s" })
        {
            // A value the parser refuses: System.CommandLine's exit code 1, the error line first.
            var time = Run("fit", "--time-limit", limit, "--out", TestPaths.NewTempDir("cli-run"));
            Assert.Equal(1, time.code);
            Assert.Contains($"--time-limit '{limit}': not a positive duration", time.stderr);
        }
        Refused("pilots belong to auto without a preset", "--pilot", "--preset", "fast");
        var allocator = RunWith(
            new Dictionary<string, string> { ["TRANSFERSHARP_ALLOCATOR"] = "/no/such/libmalloc.so" },
            "backbones"
        );
        Assert.Equal(2, allocator.code);
        Assert.Contains("TRANSFERSHARP_ALLOCATOR=/no/such/libmalloc.so: file not found", allocator.stderr);
        Assert.DoesNotContain("   at ", allocator.stderr);
    }

    [Fact]
    public void TheCliRelaunchesItselfWithTheChosenAllocatorAndKeepsItsArguments()
    {
        // Any library works to watch the relaunch; the C library this test runs on is always there.
        string libc = File.ReadLines("/proc/self/maps")
            .Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..] : "")
            .First(p => Path.GetFileName(p).StartsWith("libc.so", StringComparison.Ordinal));
        string data = TestImages.WriteFolder(TestPaths.NewTempDir("cli-data"), classes: 2, perClass: 6, size: 32);
        string run = TestPaths.NewTempDir("cli-run");
        var fit = RunWith(
            new Dictionary<string, string> { ["TRANSFERSHARP_ALLOCATOR"] = libc },
            "fit",
            "--data",
            data,
            "--size",
            "32",
            "--strategy",
            "feature-extraction",
            "--seed",
            "3",
            "--out",
            run
        );
        Assert.True(fit.code == 0, fit.stderr + fit.stdout);
        using var record = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        Assert.Equal($"{libc} (preloaded by relaunch)", record.RootElement.GetProperty("allocator").GetString());
        Assert.Equal(3, record.RootElement.GetProperty("seed").GetInt32());
        Assert.Equal("feature-extraction", record.RootElement.GetProperty("strategy").GetString());
    }

    [Fact]
    public void DiagnoseAndPriorAdjustedPredictionFromTheCommandLine()
    {
        string data = TestImages.WriteFolder(TestPaths.NewTempDir("cli-shift"), classes: 3, perClass: 10, size: 32);
        string run = TestPaths.NewTempDir("cli-shift-run");
        var fit = Run(
            "fit",
            "--data",
            data,
            "--size",
            "32",
            "--head-steps",
            "50",
            "--val-fraction",
            "0.3",
            "--out",
            run
        );
        Assert.True(fit.code == 0, fit.stderr + fit.stdout);
        Assert.True(File.Exists(Path.Combine(run, "validation_predictions.json")));
        Assert.True(File.Exists(Path.Combine(run, "domain_distance.png")));
        Assert.Contains("\"domain_distance\"", File.ReadAllText(Path.Combine(run, "metrics.json")));

        // Target: only class-0 images, a drastic label shift.
        string target = Path.Combine(data, "class0");
        var diagnose = Run("diagnose", run, "--source", data, "--target", target, "--permutations", "99");
        Assert.True(diagnose.code == 0, diagnose.stderr + diagnose.stdout);
        Assert.Contains("verdict:", diagnose.stdout);
        string report = File.ReadAllText(Path.Combine(run, "diagnosis.json"));
        Assert.Contains("\"em_bcts\"", report);
        Assert.Contains("\"p_value\"", report);

        string csv = Path.Combine(run, "adjusted.csv");
        var predict = Run("predict", run, target, "--adjust-priors-from", target, "--out", csv);
        Assert.True(predict.code == 0, predict.stderr);
        Assert.Contains("label-shift correction", predict.stderr);
        Assert.True(File.Exists(Path.Combine(run, "prior_adjustment.json")));
        Assert.All(File.ReadAllLines(csv).Skip(1), l => Assert.Contains(",class0,", l));

        // A run folder without validation predictions: one clear line naming the file.
        File.Delete(Path.Combine(run, "validation_predictions.json"));
        var missing = Run("diagnose", run, "--source", data, "--target", target);
        Assert.Equal(2, missing.code);
        Assert.Contains("validation_predictions.json", missing.stderr);
        Assert.DoesNotContain("   at ", missing.stderr);
    }

    [Fact]
    public void FitHelpGroupsOptionsAndSaysWhichStrategyTheyApplyTo()
    {
        var help = Run("fit", "--help");
        Assert.Equal(0, help.code);
        foreach (
            string section in new[]
            {
                "Data:",
                "Model:",
                "Training:",
                "fine-tune (fine-tune):",
                "l2-sp (l2-sp):",
                "auto (auto):",
            }
        )
            Assert.Contains(section, help.stdout);
        Assert.Contains("--freeze-to <N>", help.stdout);
        Assert.Contains("[network strategies and auto (not --preset fast)]", help.stdout);
        Assert.True(
            help.stdout.IndexOf("Data:", StringComparison.Ordinal)
                < help.stdout.IndexOf("--val-fraction", StringComparison.Ordinal)
        );
        Assert.All(help.stdout.Split('\n'), line => Assert.True(line.Length <= 120, line));
    }

    [Fact]
    public void AdviseExplainsWithTheMeasurements()
    {
        string data = TestImages.WriteFolder(TestPaths.NewTempDir("cli-advise"), classes: 2, perClass: 6, size: 32);
        var advise = Run("advise", "--data", data, "--size", "32", "--json");
        Assert.True(advise.code == 0, advise.stderr + advise.stdout);
        Assert.Contains("\"regime\": \"few-data/", advise.stdout); // 6 images per class
        Assert.Contains("P/N", advise.stdout);
        Assert.Contains("\"domain_distance\":", advise.stdout);
    }
}
