using System.Text.Json;
using SkiaSharp;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Runs;
using TransferSharp.Strategies;
using TransferSharp.Strategies.Auto;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Strategies.FineTune;
using TransferSharp.Strategies.GradualUnfreeze;
using TransferSharp.Strategies.LpFt;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Learning;

public class TransferLearnerTests : IClassFixture<TinyFolders>
{
    private readonly TinyFolders folders;

    public TransferLearnerTests(TinyFolders folders) => this.folders = folders;

    /// <summary>metrics.json's keys before the typed record (issue 16): every run still writes each of them.</summary>
    private static readonly string[] pinnedKeys =
    {
        "adabn_layers",
        "adapter",
        "adapter_warning",
        "advice",
        "allocator",
        "backbone",
        "best_epoch",
        "classes",
        "device",
        "domain_distance",
        "epochs",
        "failure",
        "feature_cache",
        "feature_grid",
        "feature_layers",
        "first_layer_filters",
        "frequency",
        "group_learning_rates",
        "head",
        "head_steps",
        "images_extracted",
        "images_per_second_extraction",
        "importer_adaptations",
        "input_size",
        "l2sp",
        "linear_probe",
        "normalization",
        "pilot",
        "refit_on_train_and_validation",
        "restored_epoch",
        "seconds_extraction",
        "seconds_total",
        "seed",
        "skipped_images",
        "start",
        "stop_reason",
        "strategy",
        "test_accuracy",
        "test_images",
        "test_per_class_accuracy",
        "test_time_augmentation",
        "train_accuracy",
        "train_images",
        "trainable_parameters",
        "training_options",
        "unfreeze_stages",
        "val_accuracy",
        "val_images",
        "val_loss",
        "weight_averaging",
        "weight_decay",
        "weight_decay_trials",
    };

    private LearnerOptions Options(StrategyOptions? strategy = null, int? epochs = null) =>
        folders.Options(strategy, epochs);

    private static FitResult Fit(LearnerOptions options) => new TransferLearner(options).Fit();

    [Fact]
    public void TrainsInMemoryAndPredictsWithoutAFolder()
    {
        // The README's library example, typed end to end: no strategy or metric names as strings, no folder.
        var options = Options(new GradualUnfreezeOptions(), epochs: 2) with
        {
            Data = Options().Data with { CacheDirectory = null, UseCache = false },
        };
        using FitResult result = new TransferLearner(options).Fit();
        Assert.Equal(StrategyRegistry.GradualUnfreeze.Name, result.Report.Strategy);
        Assert.InRange(result.Report.ValAccuracy!.Value, 0, 1);
        Assert.NotNull(result.Report.UnfreezeStages);
        var sources = DatasetLoader.Load(folders.Test).Items.Select(i => i.Source).ToList();
        var (predictions, _, _) = Predictor.Predict(result.Model, sources, null);
        Assert.Equal(sources.Count, predictions.Count);
        double accuracy = predictions
            .Zip(DatasetLoader.Load(folders.Test).Items)
            .Average(p => p.First.Label == result.Model.Manifest.ClassNames[p.Second.Label] ? 1.0 : 0);
        Assert.Equal(result.Report.TestAccuracy!.Value, Math.Round(accuracy, 4));
    }

    [Fact]
    public void FeatureExtractionWritesTheRunRecordAndASecondRunHitsTheCache()
    {
        LearnerOptions options = Options();
        using FitResult first = Fit(options);
        string folder = first.Save(TestPaths.NewTempDir("run"));
        FitReport record = FitResult.LoadReport(folder);
        Assert.Equal(StrategyRegistry.FeatureExtraction.Name, record.Strategy);
        Assert.Equal((32, 24), (record.InputSize, record.TrainImages));
        Assert.True(record.TestAccuracy > 0.8, $"test accuracy {record.TestAccuracy} on an easy task");
        // 30 labelled + 12 test images; the synthetic test images repeat training images, which the cache then serves.
        Assert.Equal(42, record.ImagesExtracted + record.FeatureCache!.Hits);
        foreach (
            string file in new[]
            {
                "model.json",
                "head.bin",
                "config.json",
                "metrics.json",
                "validation_predictions.json",
                "domain_distance.png",
            }
        )
            Assert.True(File.Exists(Path.Combine(folder, file)), $"{file} is missing");
        using FitResult second = Fit(options);
        Assert.Equal(0, second.Report.ImagesExtracted);
        Assert.True(second.Report.FeatureCache!.Hit);
        Assert.Equal(record.TestAccuracy, second.Report.TestAccuracy);
    }

    [Fact]
    public void MetricsKeepEveryKeyOfTheUntypedRecord()
    {
        foreach (
            StrategyOptions strategy in new StrategyOptions[]
            {
                new FeatureExtractionOptions { HeadSteps = 20 },
                new LpFtOptions(),
            }
        )
        {
            using FitResult result = Fit(Options(strategy, epochs: 1));
            using var json = JsonDocument.Parse(FitResult.ToJson(result.Report));
            var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
            Assert.All(pinnedKeys, k => Assert.Contains(k, keys));
            // The typed record reads back with the same values.
            var back = JsonSerializer.Deserialize<FitReport>(
                FitResult.ToJson(result.Report),
                TransferSharp.IO.Json.Options
            )!;
            Assert.Equal(
                (result.Report.ValAccuracy, result.Report.Strategy, result.Report.Epochs?.Count),
                (back.ValAccuracy, back.Strategy, back.Epochs?.Count)
            );
        }
    }

    [Fact]
    public void FeatureExtractionLeavesTheBackboneByteIdentical()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, 32);
        var before = backbone.Network.state_dict().ToDictionary(p => p.Key, p => p.Value.bytes.ToArray());
        ImageDataset train = DatasetLoader.Load(folders.Train);
        var (trainRows, validationRows) = StratifiedSplit.Split(train.Labels(), train.ClassNames, 0.2, 0);
        var run = new StrategyRun
        {
            Backbone = backbone,
            Data = train,
            TrainRows = trainRows,
            ValidationRows = validationRows,
            DataOptions = new DataOptions { UseCache = false },
        };
        var outcome = StrategyRegistry.FeatureExtraction.Create().Train(run);
        outcome.Head.Dispose();
        Assert.All(backbone.Network.parameters(), p => Assert.False(p.requires_grad));
        foreach (var (name, tensor) in backbone.Network.state_dict())
            Assert.True(before[name].AsSpan().SequenceEqual(tensor.bytes), $"{name} changed");
    }

    [Fact]
    public void SavedModelsEvaluateAsRecorded()
    {
        foreach (
            var (strategy, epochs) in new (StrategyOptions, int?)[]
            {
                (new FeatureExtractionOptions { HeadSteps = 60 }, null),
                (new FineTuneOptions(), 1),
            }
        )
        {
            using FitResult result = Fit(Options(strategy, epochs));
            string folder = result.Save(TestPaths.NewTempDir("run"));
            using SavedModel model = SavedModel.Load(folder);
            Assert.Equal(strategy is FineTuneOptions ? "backbone.bin" : null, model.Manifest.BackboneFile);
            var report = Predictor.Evaluate(model, DatasetLoader.Load(folders.Test), null);
            Assert.Equal(result.Report.TestAccuracy, Math.Round(report.Accuracy, 4));
            Assert.Equal(12, report.Confusion.Sum(row => row.Sum()));
        }
    }

    [Fact]
    public void AutoRunsTheAdvisedStrategyAndRecordsTheAdvice()
    {
        using FitResult result = Fit(Options(new AutoOptions(), epochs: 2));
        // 10 images per class: the few-data regime, whatever d is: feature extraction (or gradual unfreezing, for a far
        // domain).
        Assert.Contains(
            result.Report.Strategy,
            new[] { StrategyRegistry.FeatureExtraction.Name, StrategyRegistry.GradualUnfreeze.Name }
        );
        Assert.Equal(StrategyRegistry.AutoName, result.Report.Advice!.Requested);
        Assert.Contains("few-data", result.Report.Advice.Regime);
        Assert.Contains("LogME", result.Report.Advice.Explanation);
        Assert.Equal(result.Report.Strategy, result.Model.Manifest.Strategy);
    }

    [Fact]
    public void PilotRunsTheCandidatesAndKeepsTheBestOnValidation()
    {
        // 6 validation images: allowed here (the default minimum is 50). 2 full epochs: the k network pilots share 0.3
        // of
        // the full run's image-steps, 1 epoch each on 0.6 / k of the training split: 2 of each class's 8 images for k =
        // 2 or 3.
        var auto = new AutoOptions
        {
            Pilot = true,
            PilotEpochs = 1,
            PilotMinimumValidation = 6,
        };
        using FitResult result = Fit(Options(auto, epochs: 2));
        string folder = result.Save(TestPaths.NewTempDir("run"));
        PilotReport pilot = result.Report.Pilot!;
        Assert.Equal(3, pilot.Candidates!.Count);
        // The advised strategy runs first; the winner is the one the rule keeps on these scores.
        Assert.Equal(result.Report.Advice!.Strategy, pilot.Candidates[0].Strategy);
        var accuracies = pilot.Candidates.Select(c => c.ValAccuracy).ToList();
        Assert.Equal(pilot.Candidates[AutoDecision.PilotWinner(accuracies, 6)].Strategy, pilot.Winner);
        Assert.Equal((6, pilot.Winner), (pilot.ValidationImages!.Value, result.Report.Strategy));
        Assert.True(Directory.Exists(Path.Combine(folder, "pilot", pilot.Winner!)));
        Assert.Equal(24, result.Report.TrainImages);
        int network = pilot.Candidates.Count(c => c.Strategy != StrategyRegistry.FeatureExtraction.Name);
        foreach (PilotCandidate candidate in pilot.Candidates)
        {
            FitReport record = FitResult.LoadReport(Path.Combine(folder, "pilot", candidate.Strategy));
            bool frozen = candidate.Strategy == StrategyRegistry.FeatureExtraction.Name;
            // Feature extraction keeps its own head fit; the network pilots share the budget on a part of the split.
            Assert.Equal(frozen ? 24 : 6, record.TrainImages);
            if (frozen)
                Assert.Equal((300, "lbfgs"), (record.HeadSteps, record.HeadSolver));
            else
                Assert.Equal(AutoOptions.PilotBudget * 2 / network, candidate.TrainFraction, 3);
        }
    }

    [Fact]
    public void APilotReplacesTheAdviceOnlyWhenItWinsByMoreThanTheNoise()
    {
        // colourised-100 of the suite: feature extraction's pilot 3 points above LP-FT's on 100 images (margin 5.6
        // points): advice kept.
        Assert.Equal(0, AutoDecision.PilotWinner(new[] { 0.79, 0.66, 0.82 }, 100));
        Assert.Equal(0.0566, AutoDecision.PilotMargin(0.8, 0.8, 100), 4);
        // plain-1000: 1.5 points on 1,000 images (margin 1.7 points): advice kept.
        Assert.Equal(0, AutoDecision.PilotWinner(new[] { 0.82, 0.822, 0.835 }, 1000));
        // An advised pilot far below both alternatives: the most accurate replaces it.
        Assert.Equal(2, AutoDecision.PilotWinner(new[] { 0.44, 0.61, 0.75 }, 100));
        Assert.Equal(1, AutoDecision.PilotWinner(new[] { 0.70, 0.80, 0.78 }, 1000));
        // The same scores on 30 images are noise.
        Assert.Equal(0, AutoDecision.PilotWinner(new[] { 0.70, 0.80, 0.78 }, 30));
        // A failed advised pilot gives way; failed alternatives never win.
        Assert.Equal(2, AutoDecision.PilotWinner(new[] { double.NaN, 0.5, 0.6 }, 100));
        Assert.Equal(0, AutoDecision.PilotWinner(new[] { 0.1, double.NaN, 0.05 }, 100));
    }

    [Fact]
    public void PilotsAreSkippedWithTheReasonWhenTheValidationSplitIsTooSmall()
    {
        using FitResult result = Fit(Options(new AutoOptions { Pilot = true, PilotEpochs = 1 }, epochs: 2));
        string folder = result.Save(TestPaths.NewTempDir("run"));
        Assert.Contains("6 images, fewer than 50", result.Report.Pilot!.Skipped);
        Assert.False(Directory.Exists(Path.Combine(folder, "pilot")));
        Assert.Equal(result.Report.Advice!.Strategy, result.Report.Strategy);
        if (result.Report.Strategy == StrategyRegistry.FeatureExtraction.Name)
            Assert.Equal(300, result.Report.HeadSteps);
    }

    [Fact]
    public void FineTuningFromAnIntermediateGroupLeavesTheLaterGroupsOut()
    {
        using Backbone pretrained = Backbone.Load(Registry.DefaultName, 32);
        var network = pretrained.Network;
        int stage3 = network.Groups.ToList().FindIndex(g => g.Name == "stage3");
        var stage4 = network.GroupParameters(stage3 + 1).ToDictionary(p => p.name, p => p.parameter.bytes.ToArray());
        long upToStage3 = Enumerable
            .Range(0, stage3 + 1)
            .Sum(g => network.GroupParameters(g).Sum(p => p.parameter.numel()));
        // LP-FT trains every group it keeps; fine-tune with frozen early groups runs from the input (no frozen
        // prefix: from a boundary the network would run to its last group).
        foreach (
            FineTuningOptions strategy in new FineTuningOptions[]
            {
                new LpFtOptions { Features = ["stage3"], FeatureGrid = 2 },
                new FineTuneOptions
                {
                    Features = ["stage3"],
                    FeatureGrid = 2,
                    FreezeTo = 2,
                },
            }
        )
        {
            using FitResult result = Fit(Options(strategy, epochs: 1));
            int classes = result.Model.Manifest.ClassNames.Count;
            if (strategy is LpFtOptions)
                Assert.Equal(upToStage3 + (256 * 4 + 1) * classes, result.Report.TrainableParameters);
            // The groups after stage3 neither ran nor trained: their weights are the pretrained ones.
            foreach (var (name, parameter) in result.Model.Backbone.Network.GroupParameters(stage3 + 1))
                Assert.True(stage4[name].AsSpan().SequenceEqual(parameter.bytes), $"{name} changed");
            using SavedModel model = SavedModel.Load(result.Save(TestPaths.NewTempDir("run")));
            Assert.Equal(new[] { "stage3" }, model.Manifest.FeatureLayers);
            Assert.Equal((2, 256 * 4), (model.Manifest.FeatureGrid, model.Manifest.FeatureWidth));
            var report = Predictor.Evaluate(model, DatasetLoader.Load(folders.Test), null);
            Assert.Equal(result.Report.TestAccuracy, Math.Round(report.Accuracy, 4));
        }
    }

    [Fact]
    public void IntermediateLayerFeaturesAreSavedAndReproducedByEvaluate()
    {
        using FitResult result = Fit(
            Options(new FeatureExtractionOptions { Features = new[] { "stage4", "stage3" }, HeadSteps = 60 })
        );
        using SavedModel model = SavedModel.Load(result.Save(TestPaths.NewTempDir("run")));
        Assert.Equal(new[] { "stage3", "stage4" }, model.Manifest.FeatureLayers);
        Assert.Equal(256 + 512, model.Manifest.FeatureWidth);
        var report = Predictor.Evaluate(model, DatasetLoader.Load(folders.Test), null);
        Assert.Equal(result.Report.TestAccuracy, Math.Round(report.Accuracy, 4));
        // The concatenation's last 512 columns are the network's own features.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using Backbone plain = Backbone.Load(Registry.DefaultName, 32);
        Tensor x = randn(2, 3, 32, 32);
        model.Backbone.Network.eval();
        plain.Network.eval();
        Tensor both = model.Backbone.Features(x),
            last = plain.Features(x);
        Assert.Equal(new long[] { 2, 768 }, both.shape);
        Assert.True(both.narrow(1, 256, 512).allclose(last, rtol: 1e-4, atol: 1e-5));
        Assert.NotEqual(plain.FeatureKey, model.Backbone.FeatureKey); // cached features of other layers never mix
        // stage3 alone: the pass stops after stage3, same values as the concatenation's first 256 columns.
        plain.UseFeatureLayers(new[] { "stage3" });
        Assert.Equal(256, plain.FeatureWidth);
        Assert.True(plain.Features(x).allclose(both.narrow(1, 0, 256), rtol: 1e-4, atol: 1e-5));
        var error = Assert.Throws<OptionException>(() =>
            Fit(Options(new FeatureExtractionOptions { Features = new[] { "stage9" } }))
        );
        Assert.Equal("FeatureExtractionOptions.Features", error.Option);
        Assert.Contains("stem, stage1, stage2, stage3, stage4", error.Message);
    }

    [Fact]
    public void GridPooledFeaturesKeepWhereAPatternSitsAndAreSavedWithTheModel()
    {
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            using Backbone global = Backbone.Load(Registry.DefaultName, 64),
                grid = Backbone.Load(Registry.DefaultName, 64);
            global.UseFeatureLayers(new[] { "stage3" });
            grid.UseFeatureLayers(new[] { "stage3" }, grid: 2);
            Assert.Equal(256 * 4, grid.FeatureWidth);
            Assert.NotEqual(global.FeatureKey, grid.FeatureKey); // cached features of another pooling never mix
            global.Network.eval();
            grid.Network.eval();
            // stage3's map is 4x4 at 64 px: the four cells' mean is the global mean...
            Tensor x = randn(2, 3, 64, 64);
            Tensor cells = grid.Features(x).view(2, 256, 4);
            Assert.True(cells.mean(new long[] { 2 }).allclose(global.Features(x), rtol: 1e-4, atol: 1e-5));
            // ...and the cells see where things sit: an image bright on its left half only.
            Tensor left = zeros(1, 3, 64, 64);
            left.narrow(3, 0, 24).fill_(2.0f);
            Tensor perCell = grid.Features(left).view(256, 2, 2);
            Assert.True(
                (perCell.select(2, 0) - perCell.select(2, 1)).abs().mean().item<float>() > 0.05f,
                "left and right cells agree"
            );
            // The last group keeps the network's own pooling: a grid there is ignored.
            using Backbone last = Backbone.Load(Registry.DefaultName, 64);
            last.UseFeatureLayers(new[] { "stage4" }, grid: 3);
            Assert.Equal((1, 512), (last.FeatureGrid, last.FeatureWidth));
        }
        // Fitted and saved: evaluate reproduces the test accuracy from the saved manifest.
        using FitResult result = Fit(
            Options(
                new FeatureExtractionOptions
                {
                    Features = new[] { "stage3" },
                    FeatureGrid = 2,
                    HeadSteps = 60,
                }
            )
        );
        using SavedModel model = SavedModel.Load(result.Save(TestPaths.NewTempDir("run")));
        Assert.Equal((2, 2), (model.Manifest.FeatureGrid!.Value, model.Backbone.FeatureGrid));
        var report = Predictor.Evaluate(model, DatasetLoader.Load(folders.Test), null);
        Assert.Equal(result.Report.TestAccuracy, Math.Round(report.Accuracy, 4));
        Assert.Equal(
            "FeatureExtractionOptions.FeatureGrid",
            Assert
                .Throws<OptionException>(() =>
                    new TransferLearner(Options(new FeatureExtractionOptions { FeatureGrid = 2 }))
                )
                .Option
        );
        Assert.Equal(
            "FeatureExtractionOptions.FeatureGrid",
            Assert
                .Throws<OptionException>(() =>
                    new TransferLearner(
                        Options(new FeatureExtractionOptions { Features = new[] { "stage3" }, FeatureGrid = 9 })
                    )
                )
                .Option
        );
    }

    [Fact]
    public void TestTimeAugmentationIsSavedAndReproducedByEvaluate()
    {
        foreach (
            var (strategy, epochs) in new (StrategyOptions, int?)[]
            {
                (new FeatureExtractionOptions { HeadSteps = 60 }, null),
                (new FineTuneOptions(), 1),
            }
        )
        {
            var options = Options(strategy, epochs);
            using FitResult result = Fit(options with { Model = options.Model with { TestTimeAugmentation = true } });
            Assert.Equal("mirror", result.Report.TestTimeAugmentation);
            using SavedModel model = SavedModel.Load(result.Save(TestPaths.NewTempDir("run")));
            Assert.True(model.Manifest.TestTimeAugmentation);
            var report = Predictor.Evaluate(model, DatasetLoader.Load(folders.Test), null);
            Assert.Equal(result.Report.TestAccuracy, Math.Round(report.Accuracy, 4));
        }
    }

    [Fact]
    public void CorruptImagesStopBeforeTrainingOrAreSkipped()
    {
        string root = TestImages.WriteFolder(TestPaths.NewTempDir("corrupt"), classes: 2, perClass: 6, size: 32);
        string bad = Path.Combine(root, "class1", "broken.png");
        File.WriteAllBytes(bad, TestImages.Encode(TestImages.Pattern(1, 32, 0, false), SKEncodedImageFormat.Png)[..40]);
        LearnerOptions options = Options() with { Data = Options().Data with { Train = root, Test = null } };
        var error = Assert.Throws<DataException>(() => Fit(options));
        Assert.Contains("broken.png", error.Message);
        using FitResult skipped = Fit(options with { Data = options.Data with { SkipBad = true } });
        Assert.Equal(bad, Assert.Single(skipped.Report.SkippedImages).Id);
    }

    [Fact]
    public void UnwritableOutputFailsBeforeAnyWork()
    {
        string file = Path.Combine(TestPaths.NewTempDir("out"), "a-file");
        File.WriteAllText(file, "x");
        var error = Assert.Throws<OptionException>(() => RunFolder.Prepare(Path.Combine(file, "run")));
        Assert.Equal("output folder", error.Option);
    }

    [Fact]
    public void BadOptionsNameTheOptionAndTheRule()
    {
        OptionException Bad(LearnerOptions options) =>
            Assert.Throws<OptionException>(() => new TransferLearner(options));
        Assert.Contains(
            "resnet18-imagenet",
            Assert
                .Throws<UnknownBackboneException>(() =>
                    new TransferLearner(Options() with { Model = new() { Backbone = "vgg99" } })
                )
                .Message
        );
        Assert.Equal("ModelOptions.Size", Bad(Options() with { Model = new() { Size = 8 } }).Option);
        var lr = Bad(Options(new FineTuneOptions()) with { Training = new() { LearningRate = -1 } });
        Assert.Equal(("TrainingOptions.LearningRate", "-1"), (lr.Option, lr.Value));
        Assert.Equal(
            "TrainingOptions.Patience",
            Bad(Options(new GradualUnfreezeOptions()) with { Training = new() { Patience = 0 } }).Option
        );
        Assert.Equal(
            "DataOptions.ValidationFraction",
            Bad(Options() with { Data = new() { ValidationFraction = double.NaN } }).Option
        );
        Assert.Equal(
            "DataOptions.ValidationFraction",
            Bad(Options() with { Data = new() { ValidationFraction = 1.5 } }).Option
        );
        Assert.Equal("AutoOptions.PilotEpochs", Bad(Options(new AutoOptions { PilotEpochs = 0 })).Option);
        // The options are validated once and never changed: the learner keeps the caller's record.
        LearnerOptions given = Options(new FineTuneOptions { FreezeTo = 1 }, epochs: 3);
        Assert.Same(given, new TransferLearner(given).Options);
    }

    [Fact]
    public void AClassTooSmallToSplitIsNamed()
    {
        string root = TestImages.WriteFolder(TestPaths.NewTempDir("small"), classes: 2, perClass: 4, size: 32);
        string lonely = Path.Combine(root, "lonely");
        Directory.CreateDirectory(lonely);
        File.Copy(Path.Combine(root, "class0", "img000.png"), Path.Combine(lonely, "only.png"));
        var error = Assert.Throws<DataException>(() =>
            Fit(Options() with { Data = Options().Data with { Train = root, Test = null } })
        );
        Assert.Contains("lonely", error.Message);
    }
}
