using SkiaSharp;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Runs;
using TransferSharp.Strategies;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Strategies;

/// <summary>A tiny train/test pair of image folders (3 classes) shared by the fit tests.</summary>
public sealed class TinyFolders
{
    public TinyFolders()
    {
        Train = TestImages.WriteFolder(TestPaths.NewTempDir("fit-train"), classes: 3, perClass: 10, size: 32);
        Test = TestImages.WriteFolder(TestPaths.NewTempDir("fit-test"), classes: 3, perClass: 4, size: 32);
    }

    public string Train { get; }
    public string Test { get; }
}

public class FitterTests : IClassFixture<TinyFolders>
{
    private readonly TinyFolders folders;
    public FitterTests(TinyFolders folders) => this.folders = folders;

    private FitOptions Options(string strategy = StrategyCatalog.FeatureExtraction) => new()
    {
        Data = folders.Train, Test = folders.Test, Strategy = strategy, Size = 32, Epochs = 60, Output = TestPaths.NewTempDir("run"),
        CacheDirectory = TestPaths.NewTempDir("cache"), ValidationFraction = 0.2,
    };

    [Fact]
    public void FeatureExtractionWritesTheRunRecordAndASecondRunHitsTheCache()
    {
        FitOptions options = Options();
        FitResult first = Fitter.Run(options, SilentProgress.Instance);
        RunRecord record = RunRecord.Load(Path.Combine(first.Output, "metrics.json"));
        foreach (string key in new[] { "strategy", "backbone", "input_size", "train_images", "val_accuracy", "test_accuracy", "seconds_total", "seconds_extraction", "images_per_second_extraction" })
            Assert.True(record.Has(key), $"metrics.json lacks {key}");
        Assert.Equal("feature-extraction", record.Get<string>("strategy"));
        Assert.Equal(32, record.Get<int>("input_size"));
        Assert.Equal(24, record.Get<int>("train_images"));
        Assert.True(record.Get<double>("test_accuracy") > 0.8, $"test accuracy {record.Get<double>("test_accuracy")} on an easy task");
        // 30 labelled + 12 test images; the synthetic test images repeat training images, which the cache then serves.
        Assert.Equal(42, record.Get<int>("images_extracted") + record.Get<System.Text.Json.JsonElement>("feature_cache").GetProperty("hits").GetInt32());
        Assert.True(File.Exists(Path.Combine(first.Output, "model.json")) && File.Exists(Path.Combine(first.Output, "head.bin")) && File.Exists(Path.Combine(first.Output, "config.json")));

        FitResult second = Fitter.Run(options with { Output = TestPaths.NewTempDir("run") }, SilentProgress.Instance);
        Assert.Equal(0, second.Record.Get<int>("images_extracted"));
        Assert.True(second.Record.Get<System.Text.Json.JsonElement>("feature_cache").GetProperty("hit").GetBoolean());
        Assert.Equal(record.Get<double>("test_accuracy"), second.Record.Get<double>("test_accuracy"));
    }

    [Fact]
    public void FeatureExtractionLeavesTheBackboneByteIdentical()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, 32);
        var before = backbone.Network.state_dict().ToDictionary(p => p.Key, p => p.Value.bytes.ToArray());
        ImageDataset train = DatasetLoader.Load(folders.Train);
        var (trainIdx, valIdx) = StratifiedSplit.Split(train.Labels(), train.ClassNames, 0.2, 0);
        var outcome = FeatureExtractionStrategy.Train(backbone, train, trainIdx, valIdx, null, Options() with { UseCache = false }, CPU, new RunRecord(), SilentProgress.Instance);
        outcome.Head.Dispose();
        Assert.All(backbone.Network.parameters(), p => Assert.False(p.requires_grad));
        foreach (var (name, tensor) in backbone.Network.state_dict())
            Assert.True(before[name].AsSpan().SequenceEqual(tensor.bytes), $"{name} changed");
    }

    [Fact]
    public void SavedModelsEvaluateAsRecorded()
    {
        foreach (string strategy in new[] { StrategyCatalog.FeatureExtraction, StrategyCatalog.FineTune })
        {
            FitResult result = Fitter.Run(Options(strategy) with { Epochs = strategy == StrategyCatalog.FineTune ? 1 : 60 }, SilentProgress.Instance);
            using SavedModel model = SavedModel.Load(result.Output);
            Assert.Equal(strategy == StrategyCatalog.FineTune ? "backbone.bin" : null, model.Manifest.BackboneFile);
            var report = Predictor.Evaluate(model, DatasetLoader.Load(folders.Test), SilentProgress.Instance);
            Assert.Equal(result.Record.Get<double>("test_accuracy"), Math.Round(report.Accuracy, 4));
            Assert.Equal(12, report.Confusion.Sum(row => row.Sum()));
        }
    }

    [Fact]
    public void AutoRunsTheAdvisedStrategyAndRecordsTheAdvice()
    {
        FitResult result = Fitter.Run(Options(StrategyCatalog.Auto), SilentProgress.Instance);
        // 10 images per class: the few-data regime, whatever d is: feature extraction (or gradual unfreezing, for a far domain).
        string chosen = result.Record.Get<string>("strategy") ?? "";
        Assert.Contains(chosen, new[] { StrategyCatalog.FeatureExtraction, StrategyCatalog.GradualUnfreeze });
        string json = File.ReadAllText(Path.Combine(result.Output, "metrics.json"));
        Assert.Contains("\"requested\": \"auto\"", json);
        Assert.Contains("few-data", json);
        Assert.Contains("LogME", json);
        using SavedModel model = SavedModel.Load(result.Output);
        Assert.Equal(chosen, model.Manifest.Strategy);
    }

    [Fact]
    public void PilotRunsTheCandidatesAndKeepsTheBestOnValidation()
    {
        // 6 validation images: allowed here (the default minimum is 50). 2 full epochs: the k network pilots share 0.3 of
        // the full run's image-steps, 1 epoch each on 0.6 / k of the training split: 2 of each class's 8 images for k = 2 or 3.
        FitResult result = Fitter.Run(Options(StrategyCatalog.Auto) with { Pilot = true, PilotEpochs = 1, Epochs = 2, PilotMinimumValidation = 6 }, SilentProgress.Instance);
        string json = File.ReadAllText(Path.Combine(result.Output, "metrics.json"));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var pilot = doc.RootElement.GetProperty("pilot");
        var candidates = pilot.GetProperty("candidates").EnumerateArray().ToList();
        Assert.Equal(3, candidates.Count);
        // The advised strategy runs first; the winner is the one the rule keeps on these scores (6 validation images: an
        // alternative must win by more than about 25 points).
        var accuracies = candidates.Select(c => c.GetProperty("val_accuracy").GetDouble()).ToList();
        string winner = pilot.GetProperty("winner").GetString()!;
        Assert.Equal(doc.RootElement.GetProperty("advice").GetProperty("strategy").GetString(), candidates[0].GetProperty("strategy").GetString());
        Assert.Equal(candidates[Fitter.PilotWinner(accuracies, 6)].GetProperty("strategy").GetString(), winner);
        Assert.Equal(6, pilot.GetProperty("validation_images").GetInt32());
        Assert.Equal(winner, result.Record.Get<string>("strategy"));
        Assert.True(Directory.Exists(Path.Combine(result.Output, "pilot", winner)));
        Assert.Equal(24, result.Record.Get<int>("train_images"));
        foreach (var candidate in candidates)
        {
            string name = candidate.GetProperty("strategy").GetString()!;
            RunRecord pilotRecord = RunRecord.Load(Path.Combine(result.Output, "pilot", name, "metrics.json"));
            if (name == StrategyCatalog.FeatureExtraction)
            {
                // Feature extraction keeps its own head fit: --epochs is the network strategies' length under auto.
                Assert.Equal(24, pilotRecord.Get<int>("train_images"));
                Assert.Equal(300, pilotRecord.Get<int>("head_steps"));
            }
            else
            {
                Assert.Equal(6, pilotRecord.Get<int>("train_images"));
                int network = candidates.Count(c => c.GetProperty("strategy").GetString() != StrategyCatalog.FeatureExtraction);
                Assert.Equal(Fitter.PilotBudget * 2 / network, candidate.GetProperty("train_fraction").GetDouble(), 3);
            }
        }
        Assert.Contains("--pilot", Assert.Throws<OptionException>(() => Fitter.Run(Options(StrategyCatalog.FineTune) with { Pilot = true }, SilentProgress.Instance)).Message);
    }

    [Fact]
    public void APilotReplacesTheAdviceOnlyWhenItWinsByMoreThanTheNoise()
    {
        // colourised-100 of the suite: feature extraction's pilot 3 points above LP-FT's on 100 images (margin 5.6 points): advice kept.
        Assert.Equal(0, Fitter.PilotWinner(new[] { 0.79, 0.66, 0.82 }, 100));
        Assert.Equal(0.0566, Fitter.PilotMargin(0.8, 0.8, 100), 4);
        // plain-1000: 1.5 points on 1,000 images (margin 1.7 points): advice kept.
        Assert.Equal(0, Fitter.PilotWinner(new[] { 0.82, 0.822, 0.835 }, 1000));
        // An advised pilot far below both alternatives: the most accurate replaces it.
        Assert.Equal(2, Fitter.PilotWinner(new[] { 0.44, 0.61, 0.75 }, 100));
        Assert.Equal(1, Fitter.PilotWinner(new[] { 0.70, 0.80, 0.78 }, 1000));
        // The same scores on fewer images are noise.
        Assert.Equal(0, Fitter.PilotWinner(new[] { 0.70, 0.80, 0.78 }, 30));
        // A failed pilot: a failed advised one gives way; a failed alternative never wins.
        Assert.Equal(2, Fitter.PilotWinner(new[] { double.NaN, 0.5, 0.6 }, 100));
        Assert.Equal(0, Fitter.PilotWinner(new[] { 0.1, double.NaN, 0.05 }, 100));
    }

    [Fact]
    public void PilotsAreSkippedWithTheReasonWhenTheValidationSplitIsTooSmall()
    {
        FitResult result = Fitter.Run(Options(StrategyCatalog.Auto) with { Pilot = true, PilotEpochs = 1, Epochs = 2 }, SilentProgress.Instance);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(result.Output, "metrics.json")));
        string skipped = doc.RootElement.GetProperty("pilot").GetProperty("skipped").GetString()!;
        Assert.Contains("6 images, fewer than 50", skipped);
        Assert.False(Directory.Exists(Path.Combine(result.Output, "pilot")));
        string advised = doc.RootElement.GetProperty("advice").GetProperty("strategy").GetString()!;
        Assert.Equal(advised, result.Record.Get<string>("strategy"));
        if (advised == StrategyCatalog.FeatureExtraction) Assert.Equal(300, result.Record.Get<int>("head_steps"));
    }

    [Fact]
    public void IntermediateLayerFeaturesAreSavedAndReproducedByEvaluate()
    {
        FitResult result = Fitter.Run(Options() with { Features = new[] { "stage4", "stage3" } }, SilentProgress.Instance);
        using SavedModel model = SavedModel.Load(result.Output);
        Assert.Equal(new[] { "stage3", "stage4" }, model.Manifest.FeatureLayers);
        Assert.Equal(256 + 512, model.Manifest.FeatureWidth);
        var report = Predictor.Evaluate(model, DatasetLoader.Load(folders.Test), SilentProgress.Instance);
        Assert.Equal(result.Record.Get<double>("test_accuracy"), Math.Round(report.Accuracy, 4));
        // The concatenation's last 512 columns are the network's own features.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using Backbone plain = Backbone.Load(Registry.DefaultName, 32);
        Tensor x = randn(2, 3, 32, 32);
        model.Backbone.Network.eval(); plain.Network.eval();
        Tensor both = model.Backbone.Features(x), last = plain.Features(x);
        Assert.Equal(new long[] { 2, 768 }, both.shape);
        Assert.True(both.narrow(1, 256, 512).allclose(last, rtol: 1e-4, atol: 1e-5));
        Assert.NotEqual(plain.FeatureKey, model.Backbone.FeatureKey); // cached features of other layers never mix
        // stage3 alone: the pass stops after stage3, same values as the concatenation's first 256 columns.
        plain.UseFeatureLayers(new[] { "stage3" });
        Assert.Equal(256, plain.FeatureWidth);
        Assert.True(plain.Features(x).allclose(both.narrow(1, 0, 256), rtol: 1e-4, atol: 1e-5));
        var error = Assert.Throws<OptionException>(() => Fitter.Run(Options() with { Features = new[] { "stage9" } }, SilentProgress.Instance));
        Assert.Contains("stem, stage1, stage2, stage3, stage4", error.Message);
        Assert.Contains("--features", Assert.Throws<OptionException>(() => Fitter.Run(Options(StrategyCatalog.FineTune) with { Features = new[] { "stage3" } }, SilentProgress.Instance)).Message);
    }

    [Fact]
    public void GridPooledFeaturesKeepWhereAPatternSitsAndAreSavedWithTheModel()
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            using Backbone global = Backbone.Load(Registry.DefaultName, 64), grid = Backbone.Load(Registry.DefaultName, 64);
            global.UseFeatureLayers(new[] { "stage3" });
            grid.UseFeatureLayers(new[] { "stage3" }, grid: 2);
            Assert.Equal(256 * 4, grid.FeatureWidth);
            Assert.NotEqual(global.FeatureKey, grid.FeatureKey); // cached features of another pooling never mix
            global.Network.eval(); grid.Network.eval();
            // stage3's map is 4x4 at 64 px: the four cells' mean is the global mean...
            Tensor x = randn(2, 3, 64, 64);
            Tensor cells = grid.Features(x).view(2, 256, 4);
            Assert.True(cells.mean(new long[] { 2 }).allclose(global.Features(x), rtol: 1e-4, atol: 1e-5));
            // ...and the cells see where things sit: an image bright on its left half only.
            Tensor left = zeros(1, 3, 64, 64);
            left.narrow(3, 0, 24).fill_(2.0f);
            Tensor perCell = grid.Features(left).view(256, 2, 2);
            Assert.True((perCell.select(2, 0) - perCell.select(2, 1)).abs().mean().item<float>() > 0.05f, "left and right cells agree");
            // The last group keeps the network's own pooling: a grid there is ignored, with a note in the run.
            using Backbone last = Backbone.Load(Registry.DefaultName, 64);
            last.UseFeatureLayers(new[] { "stage4" }, grid: 3);
            Assert.Equal(1, last.FeatureGrid);
            Assert.Equal(512, last.FeatureWidth);
        }
        // Fitted and saved: evaluate reproduces the test accuracy from the saved manifest.
        FitResult result = Fitter.Run(Options() with { Features = new[] { "stage3" }, FeatureGrid = 2 }, SilentProgress.Instance);
        using SavedModel model = SavedModel.Load(result.Output);
        Assert.Equal(2, model.Manifest.FeatureGrid);
        Assert.Equal(2, model.Backbone.FeatureGrid);
        var report = Predictor.Evaluate(model, DatasetLoader.Load(folders.Test), SilentProgress.Instance);
        Assert.Equal(result.Record.Get<double>("test_accuracy"), Math.Round(report.Accuracy, 4));
        Assert.Contains("--feature-grid", Assert.Throws<OptionException>(() => Fitter.Run(Options() with { FeatureGrid = 2 }, SilentProgress.Instance)).Message);
        Assert.Contains("--feature-grid", Assert.Throws<OptionException>(() => Fitter.Run(Options() with { Features = new[] { "stage3" }, FeatureGrid = 9 }, SilentProgress.Instance)).Message);
    }

    [Fact]
    public void TestTimeAugmentationIsSavedAndReproducedByEvaluate()
    {
        foreach (string strategy in new[] { StrategyCatalog.FeatureExtraction, StrategyCatalog.FineTune })
        {
            FitResult result = Fitter.Run(Options(strategy) with { TestTimeAugmentation = true, Epochs = strategy == StrategyCatalog.FineTune ? 1 : 60 }, SilentProgress.Instance);
            Assert.Equal("mirror", result.Record.Get<string>("test_time_augmentation"));
            using SavedModel model = SavedModel.Load(result.Output);
            Assert.True(model.Manifest.TestTimeAugmentation);
            var report = Predictor.Evaluate(model, DatasetLoader.Load(folders.Test), SilentProgress.Instance);
            Assert.Equal(result.Record.Get<double>("test_accuracy"), Math.Round(report.Accuracy, 4));
        }
    }

    [Fact]
    public void CorruptImagesStopBeforeTrainingOrAreSkipped()
    {
        string root = TestImages.WriteFolder(TestPaths.NewTempDir("corrupt"), classes: 2, perClass: 6, size: 32);
        string bad = Path.Combine(root, "class1", "broken.png");
        File.WriteAllBytes(bad, TestImages.Encode(TestImages.Pattern(1, 32, 0, false), SKEncodedImageFormat.Png)[..40]);
        FitOptions options = Options() with { Data = root, Test = null };
        var error = Assert.Throws<DataException>(() => Fitter.Run(options, SilentProgress.Instance));
        Assert.Contains("broken.png", error.Message);
        Assert.False(File.Exists(Path.Combine(options.Output, "model.json")));

        FitResult skipped = Fitter.Run(options with { SkipBad = true }, SilentProgress.Instance);
        var list = skipped.Record.Get<List<TransferSharp.Training.BadImage>>("skipped_images")!;
        Assert.Single(list);
        Assert.Equal(bad, list[0].Id);
    }

    [Fact]
    public void UnwritableOutputFailsBeforeAnyWork()
    {
        string file = Path.Combine(TestPaths.NewTempDir("out"), "a-file");
        File.WriteAllText(file, "x");
        var error = Assert.Throws<OptionException>(() => Fitter.Run(Options() with { Output = Path.Combine(file, "run") }, SilentProgress.Instance));
        Assert.Contains("--out", error.Message);
    }

    [Fact]
    public void BadOptionsNameTheOptionAndTheChoices()
    {
        Assert.Contains("feature-extraction, fine-tune", Assert.Throws<OptionException>(() => Fitter.Run(Options("magic"), SilentProgress.Instance)).Message);
        Assert.Contains("resnet18-imagenet", Assert.Throws<UnknownBackboneException>(() => Fitter.Run(Options() with { Backbone = "vgg99" }, SilentProgress.Instance)).Message);
        Assert.Contains("--size", Assert.Throws<OptionException>(() => Fitter.Run(Options() with { Size = 8 }, SilentProgress.Instance)).Message);
        Assert.Contains("--lr", Assert.Throws<OptionException>(() => Fitter.Run(Options(StrategyCatalog.FineTune) with { Training = new() { LearningRate = -1 } }, SilentProgress.Instance)).Message);
        Assert.Contains("--lr -1", Assert.Throws<OptionException>(() => Fitter.Run(Options(StrategyCatalog.FineTune) with { LearningRate = -1 }, SilentProgress.Instance)).Message);
        Assert.Contains("--patience", Assert.Throws<OptionException>(() => Fitter.Run(Options(StrategyCatalog.GradualUnfreeze) with { Training = new() { Patience = 0 } }, SilentProgress.Instance)).Message);
    }

    [Fact]
    public void AClassTooSmallToSplitIsNamed()
    {
        string root = TestImages.WriteFolder(TestPaths.NewTempDir("small"), classes: 2, perClass: 4, size: 32);
        string lonely = Path.Combine(root, "lonely");
        Directory.CreateDirectory(lonely);
        File.Copy(Path.Combine(root, "class0", "img000.png"), Path.Combine(lonely, "only.png"));
        var error = Assert.Throws<DataException>(() => Fitter.Run(Options() with { Data = root, Test = null }, SilentProgress.Instance));
        Assert.Contains("lonely", error.Message);
    }
}
