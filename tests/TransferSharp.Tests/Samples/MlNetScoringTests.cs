using System.Diagnostics;
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Runs;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Training;

namespace TransferSharp.Tests.Samples;

public class MlNetScoringTests
{
    [Fact]
    public void TheMlNetSampleScoresTheExportedModelAsPredictDoes()
    {
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("mlnet-train"), 3, 8, 32, color: true);
        string test = TestImages.WriteFolder(TestPaths.NewTempDir("mlnet-test"), 3, 3, 32, color: true);
        var options = TestRuns.Options(train, new FeatureExtractionOptions { HeadSteps = 60 });
        using FitResult fitted = new TransferLearner(options).Fit();
        using SavedModel model = SavedModel.Load(fitted.Save(TestPaths.NewTempDir("mlnet-run")));
        string onnx = Path.Combine(TestPaths.NewTempDir("mlnet-model"), "model.onnx");
        ModelExport.Write(model, onnx);

        string csv = Path.Combine(Path.GetDirectoryName(onnx)!, "mlnet.csv");
        var (code, output) = RunSample(onnx, test, csv);
        Assert.True(code == 0, output);
        var scored = File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[0], f => f[1]);
        var sources = DatasetLoader.Load(test).Items.Select(i => i.Source).ToList();
        var (predictions, _, _) = Predictor.Predict(model, sources, null);
        Assert.Equal(sources.Count, scored.Count);
        foreach (Prediction p in predictions)
            Assert.Equal(p.Label, scored[p.Id]);
    }

    private static (int code, string output) RunSample(string onnx, string images, string csv)
    {
        // The sample is built beside the tests, in the same configuration.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
        string root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
        string dll = Path.Combine(root, "samples/MlNetScoring/bin", configuration, "net10.0/MlNetScoring.dll");
        Assert.True(File.Exists(dll), $"{dll}: the ML.NET sample was not built (dotnet build TransferSharp.slnx)");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { dll, onnx, images, csv })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(300_000), "the sample did not finish");
        return (process.ExitCode, output);
    }
}
