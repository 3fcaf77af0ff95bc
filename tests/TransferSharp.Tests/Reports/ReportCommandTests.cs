using System.Diagnostics;

namespace TransferSharp.Tests.Reports;

public class ReportCommandTests
{
    private static (int code, string stdout, string stderr) Run(params string[] args) => CliProcess.Run(args);

    [Fact]
    public void FitWritesTheReportAndReportRebuildsIt()
    {
        string data = TestImages.WriteFolder(TestPaths.NewTempDir("cli-data"), classes: 2, perClass: 6, size: 32);
        string run = TestPaths.NewTempDir("cli-run");
        var fit = Run("fit", "--data", data, "--test", data, "--size", "32", "--head-steps", "20", "--out", run);
        Assert.True(fit.code == 0, fit.stderr + fit.stdout);
        string report = Path.GetFullPath(Path.Combine(run, "report.html"));
        Assert.True(File.Exists(report));
        Assert.Contains("report.html", fit.stdout);

        File.Delete(report);
        var rebuilt = Run("report", run);
        Assert.True(rebuilt.code == 0, rebuilt.stderr);
        Assert.Equal(report, rebuilt.stdout.Trim());
        Assert.Contains("<h2>Confusion matrix</h2>", File.ReadAllText(report));

        var missing = Run("report", TestPaths.NewTempDir("cli-empty"));
        Assert.Equal(2, missing.code);
        Assert.Contains("metrics.json", missing.stderr);
        Assert.DoesNotContain("   at ", missing.stderr);
    }
}
