using System.Diagnostics;

namespace TransferSharp.Tests.Cli;

public class CliTests
{
    private static (int code, string stdout, string stderr) Run(params string[] args)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "TransferSharp.Cli.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(cli);
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["TRANSFERSHARP_CACHE"] = TestPaths.NewTempDir("cli-cache");
        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(300_000), "the CLI did not finish");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void FitPredictAndEvaluateFromTheCommandLine()
    {
        string data = TestImages.WriteFolder(TestPaths.NewTempDir("cli-data"), classes: 2, perClass: 8, size: 32);
        string run = TestPaths.NewTempDir("cli-run");
        var fit = Run("fit", "--data", data, "--test", data, "--size", "32", "--epochs", "50", "--out", run);
        Assert.True(fit.code == 0, fit.stderr + fit.stdout);
        Assert.Contains("test accuracy:", fit.stdout);
        Assert.True(File.Exists(Path.Combine(run, "metrics.json")));

        string csv = Path.Combine(run, "predictions.csv");
        var predict = Run("predict", run, Path.Combine(data, "class1"), "--output", csv);
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
    public void BadInputGivesOneClearLineAndNoStackTrace()
    {
        var (code, _, stderr) = Run("fit", "--data", "/no/such/folder", "--out", TestPaths.NewTempDir("cli-run"));
        Assert.Equal(2, code);
        Assert.Contains("/no/such/folder", stderr);
        Assert.DoesNotContain("   at ", stderr);
        var strategy = Run("fit", "--strategy", "magic", "--out", TestPaths.NewTempDir("cli-run"));
        Assert.Equal(2, strategy.code);
        Assert.Contains("Available: feature-extraction", strategy.stderr);
    }
}
