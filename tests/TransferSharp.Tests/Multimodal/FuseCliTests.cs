using System.Text.Json;

namespace TransferSharp.Tests.Multimodal;

/// <summary>fuse, then predict, evaluate and export of its run, as a user runs them; bad input exits 2 naming the
/// problem.</summary>
public class FuseCliTests
{
    /// <summary>fuse at 64 px, 30 epochs, on a train and a test CSV, with <paramref name="extra"/> flags.</summary>
    private static (int code, string stdout, string stderr) Fuse(
        string train,
        string test,
        string run,
        params string[] extra
    ) =>
        CliProcess.Run(
            new[] { "fuse", "--data", train, "--test", test, "--size", "64", "--epochs", "30", "--out", run }
                .Concat(extra)
                .ToArray()
        );

    [Fact]
    public void FusePredictEvaluateAndExportFromTheCommandLine()
    {
        string dir = TestPaths.NewTempDir("cli-fuse");
        string train = MultimodalTests.WriteTask(dir, "train", 8, 1);
        string test = MultimodalTests.WriteTask(dir, "test", 4, 2);
        string run = Path.Combine(dir, "run");
        var fit = Fuse(train, test, run, "--models", "image-only,late");
        Assert.True(fit.code == 0, fit.stderr + fit.stdout);
        Assert.Contains("is best on validation", fit.stdout);
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))).RootElement;
        Assert.Equal("multimodal", metrics.GetProperty("kind").GetString());
        Assert.Equal(2, metrics.GetProperty("candidates").GetArrayLength());
        string report = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.Contains("Which model", report);
        Assert.Contains("late fusion", report);

        // A target whose prices all rose: the price column is flagged, the others are not.
        string dearer = Path.Combine(dir, "dearer.csv");
        File.WriteAllLines(
            dearer,
            File.ReadAllLines(test)
                .Select(
                    (l, i) =>
                        i == 0
                            ? l
                            : string.Join(
                                ',',
                                l.Split(',')
                                    .Select(
                                        (c, k) =>
                                            k == 2
                                                ? (
                                                    double.Parse(c, System.Globalization.CultureInfo.InvariantCulture)
                                                    + 100
                                                ).ToString(System.Globalization.CultureInfo.InvariantCulture)
                                                : c
                                    )
                            )
                )
        );
        var diagnose = CliProcess.Run("diagnose", run, "--source", train, "--target", dearer, "--permutations", "50");
        Assert.True(diagnose.code == 0, diagnose.stderr + diagnose.stdout);
        Assert.Contains("covariate shift in price", diagnose.stdout);
        Assert.Contains("Shift between source and target", File.ReadAllText(Path.Combine(run, "report.html")));

        string predictions = Path.Combine(dir, "predictions.csv");
        var predict = CliProcess.Run("predict", run, test, "--out", predictions);
        Assert.True(predict.code == 0, predict.stderr);
        string[] lines = File.ReadAllLines(predictions);
        Assert.Equal("row,image,label,probability,has_image,has_record", lines[0]);
        Assert.Equal(17, lines.Length);
        Assert.True(File.Exists(predictions + ".json"));

        var evaluate = CliProcess.Run("evaluate", run, "--data", test);
        Assert.True(evaluate.code == 0, evaluate.stderr);
        Assert.Contains("accuracy:", evaluate.stdout);

        var export = CliProcess.Run("export", run, "--out", Path.Combine(dir, "model.onnx"));
        Assert.True(export.code == 0, export.stderr);
        Assert.True(new FileInfo(Path.Combine(dir, "model.onnx")).Length > 10_000_000);

        string lacking = Path.Combine(dir, "lacking.csv");
        File.WriteAllLines(
            lacking,
            File.ReadAllLines(test).Select(l => string.Join(',', l.Split(',').Where((_, i) => i != 2)))
        );
        var missing = CliProcess.Run("predict", run, lacking);
        Assert.Equal(2, missing.code);
        Assert.Contains("'price'", missing.stderr);
    }

    [Fact]
    public void AWordInANumericColumnIsAnErrorNamingTheRowAndTheColumn()
    {
        string dir = TestPaths.NewTempDir("cli-fuse-bad");
        string train = MultimodalTests.WriteTask(dir, "train", 4, 1);
        var lines = File.ReadAllLines(train);
        lines[3] = string.Join(',', lines[3].Split(',').Select((c, i) => i == 2 ? "cheap" : c));
        File.WriteAllLines(train, lines);
        var run = CliProcess.Run(
            "fuse",
            "--data",
            train,
            "--column-types",
            "price=numeric",
            "--out",
            Path.Combine(dir, "run")
        );
        Assert.Equal(2, run.code);
        Assert.Contains("row 4", run.stderr);
        Assert.Contains("'price'", run.stderr);
        Assert.False(
            Directory.Exists(Path.Combine(dir, "run")) && File.Exists(Path.Combine(dir, "run", "metrics.json"))
        );
    }

    [Fact]
    public void ATunedImageBranchTravelsWithTheRunAndPredictsAsFuseScoredIt()
    {
        string dir = TestPaths.NewTempDir("cli-fuse-tuned");
        string train = MultimodalTests.WriteTask(dir, "train", 8, 1);
        string test = MultimodalTests.WriteTask(dir, "test", 4, 2);
        string run = Path.Combine(dir, "run");
        var fit = Fuse(
            train,
            test,
            run,
            "--models",
            "late",
            "--image-strategy",
            "fine-tune",
            "--image-epochs",
            "1",
            "--json"
        );
        Assert.True(fit.code == 0, fit.stderr + fit.stdout);
        var metrics = JsonDocument.Parse(fit.stdout).RootElement;
        Assert.Equal("fine-tune", metrics.GetProperty("image_branch").GetString());
        Assert.True(File.Exists(Path.Combine(run, "image", "backbone.bin")));
        // evaluate reloads the tuned network from the run: the same test accuracy as fuse measured.
        var evaluate = CliProcess.Run("evaluate", run, "--data", test);
        Assert.True(evaluate.code == 0, evaluate.stderr);
        double accuracy = metrics.GetProperty("test_accuracy").GetDouble();
        Assert.Contains($"accuracy: {accuracy:F4}", evaluate.stdout);
    }
}
