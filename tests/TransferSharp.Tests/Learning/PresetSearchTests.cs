using TransferSharp.Analysis;
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Progress;
using TransferSharp.Strategies;
using TransferSharp.Strategies.Auto;
using TransferSharp.Strategies.BatchNormOnly;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Strategies.LpFt;
using TransferSharp.Training;

namespace TransferSharp.Tests.Learning;

public class PresetSearchTests : IClassFixture<TinyFolders>
{
    private readonly TinyFolders folders;

    public PresetSearchTests(TinyFolders folders) => this.folders = folders;

    private LearnerOptions Options(AutoOptions auto) => folders.Options(auto) with { Analyses = new() };

    [Fact]
    public void AFastPresetKeepsTheBestFrozenCandidateAndScoresTheTestImagesOnce()
    {
        var heard = new List<FitReport>();
        var auto = new AutoOptions
        {
            Preset = AutoPreset.Fast,
            HeadSteps = 60,
            Ensemble = false,
        };
        var learner = new TransferLearner(Options(auto)) { BestSoFar = best => heard.Add(best.Report) };
        var lines = new List<string>();
        using FitResult result = learner.Fit(new SynchronousProgress(u => lines.Add(u.Text)));
        PresetReport preset = result.Report.Preset!;
        Assert.Equal("fast", preset.Preset);
        Assert.All(preset.Candidates, c => Assert.Equal(StrategyRegistry.FeatureExtraction.Name, c.Strategy));
        Assert.Equal(StrategyRegistry.FeatureExtraction.Name, result.Report.Strategy);
        // The winner is the last candidate that became the best; each of them was handed over as it finished, without
        // test images, and only the kept one scored them, once.
        var bests = preset.Candidates.Where(c => c.Status == "best").ToList();
        Assert.Equal(bests[^1].Name, preset.Winner);
        Assert.Equal(bests.Count, heard.Count);
        Assert.All(heard, r => Assert.Null(r.TestAccuracy));
        Assert.True(preset.TestedAfterSearch);
        Assert.NotNull(result.Report.TestAccuracy);
        Assert.Equal(bests[^1].ValAccuracy, result.Report.ValAccuracy);
        Assert.NotNull(result.Report.Advice);
        Assert.Null(preset.TimeLimitSeconds);
        // The final pass reuses the kept candidate's head: one weight-decay search per candidate, none more.
        Assert.Single(lines, l => l.StartsWith("head: the candidate's"));
        Assert.Equal(preset.Candidates.Count, lines.Count(l => l.StartsWith("head: weight decay")));
    }

    [Fact]
    public void APresetRecordsTheDomainDistanceItsAdviceMeasured()
    {
        var auto = new AutoOptions
        {
            Preset = AutoPreset.Fast,
            HeadSteps = 60,
            Ensemble = false,
        };
        var updates = new List<ProgressUpdate>();
        var options = Options(auto) with { Analyses = new AnalysisOptions { DomainDistance = true } };
        using FitResult result = new TransferLearner(options).Fit(new SynchronousProgress(updates.Add));
        // One pass over the BatchNorm statistics (the advice's), and the record has its figure.
        Assert.Single(updates, u => u.Kind == ProgressKind.Started && u.Text.StartsWith("domain distance"));
        Assert.NotNull(result.Report.DomainDistance?.D);
        Assert.Single(updates, u => u.Text.StartsWith("domain distance to the pretraining data"));
    }

    [Fact]
    public void AFitThatOnlyAddsTheTestImagesReusesTheHeadFitOnTheSameFeaturesAndSplitOnly()
    {
        var options = folders.Options() with { Analyses = new() };
        var untested = options with { Data = options.Data with { Test = null } };
        var first = new TransferLearner(untested).Fit();
        Assert.NotNull(first.FittedProbe);
        var lines = new List<string>();
        using FitResult tested = new TransferLearner(options) { FittedProbe = first.FittedProbe }.Fit(
            new SynchronousProgress(u => lines.Add(u.Text))
        );
        Assert.Contains(lines, l => l.StartsWith("head: the candidate's"));
        Assert.DoesNotContain(lines, l => l.StartsWith("head: weight decay"));
        // The head is its own copy: it outlives the candidate it came from (a preset releases it after the final pass).
        first.Dispose();
        // Reuse is what fitting again gives, to the last bit: the head, the out-of-fold and the test predictions.
        using FitResult refitted = new TransferLearner(options).Fit();
        Assert.True(refitted.Model.Head.Weight.allclose(tested.Model.Head.Weight, rtol: 0, atol: 0));
        Assert.True(refitted.Model.Head.Bias.allclose(tested.Model.Head.Bias, rtol: 0, atol: 0));
        Assert.Equal(refitted.HeldOut.LogProbabilities, tested.HeldOut.LogProbabilities);
        Assert.Equal(refitted.Test!.LogProbabilities, tested.Test!.LogProbabilities);
        Assert.Equal(refitted.Report.WeightDecay, tested.Report.WeightDecay);
        Assert.Equal(refitted.Report.TestAccuracy, tested.Report.TestAccuracy);
        // Another split (seed), or other features (a grid), is another fit: the head is fitted again.
        foreach (
            var other in new[]
            {
                options with
                {
                    Seed = options.Seed + 1,
                },
                options with
                {
                    Strategy = new FeatureExtractionOptions { HeadSteps = 60, Features = ["stage3"] },
                },
            }
        )
        {
            lines.Clear();
            using FitResult again = new TransferLearner(other) { FittedProbe = tested.FittedProbe }.Fit(
                new SynchronousProgress(u => lines.Add(u.Text))
            );
            Assert.DoesNotContain(lines, l => l.StartsWith("head: the candidate's"));
            Assert.Contains(lines, l => l.StartsWith("head: weight decay"));
        }
    }

    [Fact]
    public void AFastPresetRunsItsFrozenCandidatesInInt8WhenAsked()
    {
        var auto = new AutoOptions
        {
            Preset = AutoPreset.Fast,
            HeadSteps = 60,
            Ensemble = false,
            FrozenPrecision = FrozenPrecision.Int8,
        };
        var lines = new List<string>();
        var progress = new SynchronousProgress(u => lines.Add(u.Text));
        using FitResult result = new TransferLearner(Options(auto)).Fit(progress);
        // One calibration: the grid candidate and the final fit reuse its ranges (same layers, same images).
        Assert.Single(lines, l => l.StartsWith("frozen pass: int8 calibrated"));
        Assert.Contains(lines, l => l.StartsWith("frozen pass: int8 ranges of this run's earlier calibration"));
        FrozenPrecisionReport precision = result.Report.FrozenPrecision!;
        Assert.Equal("int8", precision.Requested);
        Assert.True(precision.Used == "int8", precision.Reason);
        // The final pass found every feature in the int8 caches the candidates filled, or ran int8 itself.
        Assert.Contains(result.Report.ExtractionEngine, new[] { "onnxruntime-int8", "none" });
        Assert.Equal(StrategyRegistry.FeatureExtraction.Name, result.Report.Strategy);
    }

    [Fact]
    public void APresetEnsemblesItsCandidatesWhenTheyBeatTheBestOneAndScoresTheEnsemble()
    {
        using FitResult result = new TransferLearner(
            Options(new AutoOptions { Preset = AutoPreset.Fast, HeadSteps = 60 })
        ).Fit();
        PresetReport preset = result.Report.Preset!;
        EnsembleReport ensemble = preset.Ensemble!;
        Assert.Equal(preset.Candidates.Select(c => c.Name), ensemble.Members.Select(m => m.Name));
        Assert.Equal(1, ensemble.Members.Sum(m => m.Weight), 3);
        // Frozen candidates' held-out predictions are out-of-fold over every labelled image.
        Assert.Equal(result.Report.TrainImages + result.Report.ValImages, ensemble.ValidationImages);
        // Two frozen candidates on these images: the mix beats the best one beyond noise.
        Assert.True(ensemble.Kept, ensemble.Reason);
        Assert.Equal(PresetSearch.EnsembleName, result.Report.Strategy);
        Assert.Equal(PresetSearch.EnsembleName, preset.Winner);
        Assert.Equal(ensemble.Members.Count(m => m.Weight > 0), result.Model.Members.Count);
        // The record's test score is the ensemble's, and the saved run predicts it.
        Assert.Equal(ensemble.TestAccuracy!.Value, result.Report.TestAccuracy!.Value, 4);
        Assert.Equal(result.Test!.Accuracy(), result.Report.TestAccuracy!.Value, 4);
        string folder = result.Save(TestPaths.NewTempDir("ensemble-preset"));
        using var model = TransferSharp.Runs.SavedModel.Load(folder);
        var report = TransferSharp.Runs.Predictor.Evaluate(model, DatasetLoader.Load(folders.Test), null);
        Assert.Equal(result.Report.TestAccuracy!.Value, report.Accuracy, 4);
    }

    [Fact]
    public void EachPresetAddsItsCandidatesCheapestFirst()
    {
        var advice = new Advice(
            "some-data/moderate-domain",
            StrategyRegistry.FeatureExtraction,
            "replicate",
            new[] { StrategyRegistry.GradualUnfreeze, StrategyRegistry.FeatureExtraction, StrategyRegistry.L2Sp },
            "test",
            FeatureLayers: new[] { "stage3" }
        );
        var options = Options(new AutoOptions());
        List<string> Names(AutoPreset preset) =>
            PresetSearch.Plan(options, new AutoOptions(), advice, preset, "stage4").Select(c => c.name).ToList();
        Assert.Equal(new[] { "feature-extraction@stage3", "feature-extraction@stage3 grid 2" }, Names(AutoPreset.Fast));
        // A network candidate's head reads the advised layers on the preset's largest grid.
        Assert.Equal(Names(AutoPreset.Fast).Append("lp-ft@stage3 grid 2"), Names(AutoPreset.Balanced));
        // best: a 3 x 3 grid as well, a second network strategy, and the first again under the next seed on the same
        // split (for the ensemble; not without one).
        Assert.Equal(
            Names(AutoPreset.Fast)
                .Append("feature-extraction@stage3 grid 3")
                .Append("lp-ft@stage3 grid 3")
                .Append("gradual-unfreeze@stage3 grid 3")
                .Append($"lp-ft@stage3 grid 3 seed {options.Seed + 1}"),
            Names(AutoPreset.Best)
        );
        var seeded = PresetSearch.Plan(options, new AutoOptions(), advice, AutoPreset.Best, "stage4")[^1].options;
        Assert.Equal(options.Seed, seeded.Data.SplitSeed);
        Assert.Equal(options.Seed + 1, seeded.Seed);
        Assert.Equal(
            5,
            PresetSearch.Plan(options, new AutoOptions { Ensemble = false }, advice, AutoPreset.Best, "stage4").Count
        );
        var best = PresetSearch.Plan(options, new AutoOptions(), advice, AutoPreset.Best, "stage4");
        // No candidate sees the test images; feature extraction's kept one scores them after the search.
        Assert.All(best.Take(2), c => Assert.Null(c.options.Data.Test));
        Assert.IsType<FeatureExtractionOptions>(best[1].options.Strategy);
        Assert.Equal(2, ((FeatureExtractionOptions)best[1].options.Strategy).FeatureGrid);
        // best: longer schedules (1.5x the strategy's default epochs).
        int Epochs(LearnerOptions o) =>
            StrategyRegistry.Of(o.Strategy).Create(o.Strategy).Settings(o.Training, o.Seed).Epochs;
        var balanced = PresetSearch.Plan(options, new AutoOptions(), advice, AutoPreset.Balanced, "stage4");
        Assert.Equal((int)Math.Ceiling(Epochs(balanced[2].options) * 1.5), Epochs(best[3].options));
        // One frozen pass caches every grid the others read.
        var first = (FeatureExtractionOptions)best[0].options.Strategy;
        Assert.Equal(new[] { 2, 3 }, first.CacheGrids);
        // The last group's features have no grid to pool: one frozen candidate.
        var last = advice with
        {
            FeatureLayers = new[] { "stage4" },
        };
        Assert.Single(PresetSearch.Plan(options, new AutoOptions(), last, AutoPreset.Fast, "stage4"));
        var tuned = (FineTuningOptions)best[^1].options.Strategy;
        Assert.Equal(new[] { "stage3" }, tuned.Features);
        Assert.Equal(3, tuned.FeatureGrid);
        // On the last group's features, the network's own head.
        var plain = PresetSearch.Plan(options, new AutoOptions(), last, AutoPreset.Balanced, "stage4")[^1];
        Assert.Equal("lp-ft", plain.name);
        Assert.Null(((FineTuningOptions)plain.options.Strategy).Features);
    }

    // LP-FT advised, fine-tuning next, stage3's features.
    private static readonly Advice stageThreeLpFt = new(
        "some-data/moderate-domain",
        StrategyRegistry.LpFt,
        "replicate",
        new[] { StrategyRegistry.FineTune },
        "test",
        FeatureLayers: new[] { "stage3" }
    );

    [Fact]
    public void AutosNetworkCandidatesFollowTheFlipAdviceUnlessToldToKeepFlips()
    {
        var oriented = stageThreeLpFt with { RandomFlips = false };
        var options = Options(new AutoOptions());
        bool Flips(AutoOptions auto, Advice advice, AutoPreset preset, string name) =>
            PresetSearch
                .Plan(options, auto, advice, preset, "stage4")
                .Single(c => c.name.StartsWith(name + "@", StringComparison.Ordinal))
                .options.Training.Augmentation.HorizontalFlip;
        Assert.False(Flips(new AutoOptions(), oriented, AutoPreset.Balanced, "lp-ft"));
        Assert.False(Flips(new AutoOptions(), oriented, AutoPreset.Best, "fine-tune"));
        Assert.True(Flips(new AutoOptions { FollowFlipAdvice = false }, oriented, AutoPreset.Balanced, "lp-ft"));
        Assert.True(Flips(new AutoOptions(), oriented with { RandomFlips = true }, AutoPreset.Balanced, "lp-ft"));
        Assert.True(Flips(new AutoOptions(), oriented with { RandomFlips = null }, AutoPreset.Balanced, "lp-ft"));
        // Auto without a preset trains the advised strategy the same way; the frozen candidates are untouched.
        var single = AutoDecision.Chosen(options, new AutoOptions(), StrategyRegistry.LpFt, oriented);
        Assert.False(single.Training.Augmentation.HorizontalFlip);
        Assert.Equal(
            options.Training.Augmentation,
            PresetSearch
                .Plan(options, new AutoOptions(), oriented, AutoPreset.Fast, "stage4")[0]
                .options.Training.Augmentation
        );
    }

    [Fact]
    public void AutosSingleChoiceGivesAFineTuningHeadTheLayersNamedOrElseTheAdvisedIntermediateGroup()
    {
        var advice = stageThreeLpFt with { HeadLayers = new[] { "stage3" } };
        var options = Options(new AutoOptions());
        StrategyOptions Head(AutoOptions auto, Advice given, StrategyDescriptor strategy) =>
            AutoDecision.Chosen(options, auto, strategy, given).Strategy;
        var tuned = Assert.IsType<LpFtOptions>(Head(new AutoOptions(), advice, StrategyRegistry.LpFt));
        Assert.Equal(new[] { "stage3" }, tuned.Features);
        Assert.Equal(2, tuned.FeatureGrid);
        Assert.Equal(
            3,
            ((LpFtOptions)Head(new AutoOptions { FeatureGrid = 3 }, advice, StrategyRegistry.LpFt)).FeatureGrid
        );
        // Layers named reach the head on the grid asked for, as when the strategy is named.
        var named = Assert.IsType<LpFtOptions>(
            Head(new AutoOptions { Features = new[] { "stage2" } }, advice, StrategyRegistry.LpFt)
        );
        Assert.Equal(new[] { "stage2" }, named.Features);
        Assert.Equal(1, named.FeatureGrid);
        // Under a preset, the last group named alone leaves the network candidates' head whole, as before.
        var lastNamed = PresetSearch.Plan(
            options,
            new AutoOptions { Features = new[] { "stage4" } },
            advice,
            AutoPreset.Balanced,
            "stage4"
        );
        var network = lastNamed.Select(c => c.options.Strategy).OfType<FineTuningOptions>().ToList();
        Assert.NotEmpty(network);
        Assert.All(network, t => Assert.Null(t.Features));
        // The last group advised, or a strategy with no such head: as before.
        Assert.Null(
            ((LpFtOptions)Head(new AutoOptions(), advice with { HeadLayers = null }, StrategyRegistry.LpFt)).Features
        );
        Assert.IsType<BatchNormOnlyOptions>(Head(new AutoOptions(), advice, StrategyRegistry.BatchNormOnly));
    }

    [Fact]
    public void ATimeLimitNoCandidateCanMeetIsAClearErrorNamingWhatWouldDo()
    {
        var auto = new AutoOptions { Preset = AutoPreset.Fast, TimeLimit = TimeSpan.FromMilliseconds(1) };
        var error = Assert.Throws<OptionException>(() => new TransferLearner(Options(auto)).Fit());
        Assert.Contains("AutoOptions.TimeLimit", error.Message);
        Assert.Contains("too short", error.Message);
        Assert.Contains("give at least", error.Message);
    }
}
