using TransferSharp.Strategies;
using TransferSharp.Strategies.Auto;
using TransferSharp.Strategies.BatchNormOnly;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Strategies.FineTune;
using TransferSharp.Strategies.GradualUnfreeze;
using TransferSharp.Strategies.LpFt;
using TransferSharp.Training;

namespace TransferSharp.Tests.Strategies;

public class StrategyRegistryTests
{
    private static TrainingSettings SettingsOf(StrategyDescriptor strategy, TrainingOptions? requested = null) =>
        strategy.Create().Settings(requested ?? new TrainingOptions(), 0);

    [Fact]
    public void StrategiesGetTheirOwnDefaultsUnlessTheUserChose()
    {
        var fine = SettingsOf(StrategyRegistry.FineTune);
        Assert.Equal((1e-3, 10.0), (fine.LearningRate, fine.LrSpread));
        var bn = SettingsOf(StrategyRegistry.BatchNormOnly);
        Assert.Equal((1e-2, 1.0), (bn.LearningRate, bn.LrSpread));
        var chosen = SettingsOf(
            StrategyRegistry.BatchNormOnly,
            new TrainingOptions
            {
                LearningRate = 3e-3,
                LrSpread = 4,
                Epochs = 7,
            }
        );
        Assert.Equal((3e-3, 4.0, 7), (chosen.LearningRate, chosen.LrSpread, chosen.Epochs));
        var gradual = SettingsOf(StrategyRegistry.GradualUnfreeze);
        Assert.Equal((ScheduleKind.Constant, 2, 30), (gradual.Schedule, gradual.Patience, gradual.Epochs));
        // A schedule the user chose is kept, also for gradual unfreezing.
        Assert.Equal(
            ScheduleKind.OneCycle,
            SettingsOf(StrategyRegistry.GradualUnfreeze, new() { Schedule = ScheduleKind.OneCycle }).Schedule
        );
        // LP-FT fine-tunes on the statistics its probe saw; the others normalise with each batch's, unless the user
        // chose.
        Assert.True(SettingsOf(StrategyRegistry.LpFt).FreezeBatchNormStatistics);
        Assert.False(fine.FreezeBatchNormStatistics);
        Assert.False(
            SettingsOf(StrategyRegistry.LpFt, new() { FreezeBatchNormStatistics = false }).FreezeBatchNormStatistics
        );
        Assert.True(
            SettingsOf(StrategyRegistry.FineTune, new() { FreezeBatchNormStatistics = true }).FreezeBatchNormStatistics
        );
        // The strategies that start from a fitted head score it as epoch 0; the others start from nothing worth
        // keeping.
        Assert.True(SettingsOf(StrategyRegistry.LpFt).ScoreStart);
        Assert.True(gradual.ScoreStart);
        Assert.True(SettingsOf(StrategyRegistry.AdaBatchNorm).ScoreStart);
        Assert.False(fine.ScoreStart);
        Assert.False(bn.ScoreStart);
        // Scratch has no pretrained layers for a layer decay to protect; a frozen backbone's adapter path no
        // augmentation.
        Assert.Null(SettingsOf(StrategyRegistry.Scratch, new() { LayerDecay = 0.7 }).LayerDecay);
        Assert.True(SettingsOf(StrategyRegistry.FeatureExtraction).Augmentation.IsOff);
    }

    [Fact]
    public void EveryStrategyIsFoundByNameAndByItsOptions()
    {
        Assert.Equal(8, StrategyRegistry.All.Count);
        foreach (StrategyDescriptor descriptor in StrategyRegistry.All)
        {
            Assert.Same(descriptor, StrategyRegistry.Get(descriptor.Name));
            StrategyOptions options = descriptor.DefaultOptions();
            Assert.Equal(descriptor.OptionsType, options.GetType());
            Assert.Same(descriptor, StrategyRegistry.Of(options));
            Assert.IsAssignableFrom<TransferStrategy>(descriptor.Create(options));
            options.Validate();
        }
        Assert.IsType<AutoOptions>(StrategyRegistry.Parse("auto"));
        Assert.IsType<LpFtOptions>(StrategyRegistry.Parse("LP-FT"));
        var unknown = Assert.Throws<OptionException>(() => StrategyRegistry.Get("magic"));
        Assert.Contains("feature-extraction, fine-tune, gradual-unfreeze", unknown.Problem);
    }

    [Fact]
    public void EachStrategyTrainsWhatItSays()
    {
        var counts = new ParameterCounts(Backbone: 1000, BatchNorm: 40, Head: 10);
        Assert.Equal(10, StrategyRegistry.FeatureExtraction.TrainableParameters(counts));
        Assert.Equal(10, StrategyRegistry.AdaBatchNorm.TrainableParameters(counts));
        Assert.Equal(50, StrategyRegistry.BatchNormOnly.TrainableParameters(counts));
        foreach (
            var full in new[]
            {
                StrategyRegistry.FineTune,
                StrategyRegistry.GradualUnfreeze,
                StrategyRegistry.L2Sp,
                StrategyRegistry.LpFt,
                StrategyRegistry.Scratch,
            }
        )
            Assert.Equal(1010, full.TrainableParameters(counts));
    }

    [Fact]
    public void PlansFollowTheStrategyWithoutANetwork()
    {
        string[] names = { "stem", "stage1", "stage2", "stage3", "stage4", "head" };
        var context = new PlanContext(names, null, 100, new TrainingSettings());
        IStrategyPlan Plan(StrategyOptions options) =>
            ((TransferStrategy)StrategyRegistry.Create(options)).Plan(context);
        Assert.Equal(
            new[]
            {
                GroupMode.Frozen,
                GroupMode.Frozen,
                GroupMode.Full,
                GroupMode.Full,
                GroupMode.Full,
                GroupMode.Full,
            },
            Plan(new FineTuneOptions { FreezeTo = 2 }).Next(0, new TrainingHistory()).Modes
        );
        Assert.All(
            Plan(new FeatureExtractionOptions()).Next(0, new TrainingHistory()).Modes.Take(5),
            m => Assert.Equal(GroupMode.Frozen, m)
        );
        Assert.Equal(GroupMode.BatchNormOnly, Plan(new BatchNormOnlyOptions()).Next(0, new TrainingHistory()).Modes[0]);
        Assert.IsType<GradualUnfreezePlan>(Plan(new GradualUnfreezeOptions()));
        // An input adapter in front shifts --freeze-to by one group; a FreezeTo past the backbone is an error naming
        // it.
        var adapted = new PlanContext(new[] { "adapter" }.Concat(names).ToArray(), 0, 100, new TrainingSettings());
        var shifted = ((TransferStrategy)StrategyRegistry.Create(new FineTuneOptions { FreezeTo = 2 })).Plan(adapted);
        Assert.Equal(3, shifted.Next(0, new TrainingHistory()).Modes.TakeWhile(m => m == GroupMode.Frozen).Count());
        Assert.Contains(
            "FreezeTo",
            Assert.Throws<OptionException>(() => Plan(new FineTuneOptions { FreezeTo = 5 })).Message
        );
    }
}
