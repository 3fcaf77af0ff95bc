using TransferSharp.Analysis;
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Strategies;
using TransferSharp.Strategies.Auto;
using TransferSharp.Strategies.FeatureExtraction;
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
        var learner = new TransferLearner(Options(new AutoOptions { Preset = AutoPreset.Fast, HeadSteps = 60 }))
        {
            BestSoFar = best => heard.Add(best.Report),
        };
        using FitResult result = learner.Fit();
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
        Assert.Equal(Names(AutoPreset.Fast).Append("lp-ft"), Names(AutoPreset.Balanced));
        Assert.Equal(Names(AutoPreset.Balanced).Append("gradual-unfreeze"), Names(AutoPreset.Best));
        var best = PresetSearch.Plan(options, new AutoOptions(), advice, AutoPreset.Best, "stage4");
        // No candidate sees the test images; feature extraction's kept one scores them after the search.
        Assert.All(best.Take(2), c => Assert.Null(c.options.Data.Test));
        Assert.IsType<FeatureExtractionOptions>(best[1].options.Strategy);
        Assert.Equal(2, ((FeatureExtractionOptions)best[1].options.Strategy).FeatureGrid);
        // best: longer schedules (1.5x the strategy's default epochs).
        int Epochs(LearnerOptions o) =>
            StrategyRegistry.Of(o.Strategy).Create(o.Strategy).Settings(o.Training, o.Seed).Epochs;
        var balanced = PresetSearch.Plan(options, new AutoOptions(), advice, AutoPreset.Balanced, "stage4");
        Assert.Equal((int)Math.Ceiling(Epochs(balanced[2].options) * 1.5), Epochs(best[2].options));
        // The last group's features have no grid to pool: one frozen candidate.
        var last = advice with
        {
            FeatureLayers = new[] { "stage4" },
        };
        Assert.Single(PresetSearch.Plan(options, new AutoOptions(), last, AutoPreset.Fast, "stage4"));
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
