using TransferSharp.Training;

namespace TransferSharp.Tests.Training;

public class ScheduleAndRateTests
{
    [Fact]
    public void GeometricSpreadIsFastaisSlice()
    {
        double[] rates = LearningRateSpread.Geometric(1e-3, 100, 6);
        Assert.Equal(1e-5, rates[0], 12);
        Assert.Equal(1e-3, rates[^1], 12);
        for (int i = 1; i < rates.Length; i++) Assert.Equal(Math.Pow(100, 0.2), rates[i] / rates[i - 1], 9);
    }

    [Fact]
    public void LayerDecayMultipliesDownwards()
    {
        Assert.Equal(new[] { 2.5e-4, 5e-4, 1e-3 }, LearningRateSpread.LayerDecay(1e-3, 0.5, 3).Select(r => Math.Round(r, 12)));
        Assert.Equal(new[] { 0.1, 0.1 }, LearningRateSpread.Uniform(0.1, 2));
    }

    [Fact]
    public void OptionsPickLayerDecayOverSpread()
    {
        var options = new TrainingOptions { LearningRate = 1, LrSpread = 100, LayerDecay = 0.5 };
        Assert.Equal(new[] { 0.25, 0.5, 1.0 }, options.GroupRates(3));
        Assert.Equal(new[] { 0.01, 0.1, 1.0 }, (options with { LayerDecay = null }).GroupRates(3).Select(r => Math.Round(r, 10)));
    }

    [Fact]
    public void CosineWarmsUpThenDecays()
    {
        Assert.True(Schedules.Multiplier(ScheduleKind.Cosine, 0, 0.1) < 0.02);
        Assert.Equal(1, Schedules.Multiplier(ScheduleKind.Cosine, 0.1, 0.1), 6);
        Assert.Equal(0.5, Schedules.Multiplier(ScheduleKind.Cosine, 0.55, 0.1), 6);
        Assert.Equal(0, Schedules.Multiplier(ScheduleKind.Cosine, 1, 0.1), 6);
    }

    [Fact]
    public void OneCyclePeaksAtAQuarter()
    {
        Assert.Equal(1 / 25.0, Schedules.Multiplier(ScheduleKind.OneCycle, 0, 0), 6);
        Assert.Equal(1, Schedules.Multiplier(ScheduleKind.OneCycle, 0.25, 0), 6);
        Assert.Equal(1e-4, Schedules.Multiplier(ScheduleKind.OneCycle, 1, 0), 8);
        Assert.True(Schedules.Multiplier(ScheduleKind.OneCycle, 0.2, 0) < Schedules.Multiplier(ScheduleKind.OneCycle, 0.25, 0));
    }

    [Fact]
    public void OutOfRangeOptionsNameTheOption()
    {
        Assert.Contains("--lr-spread", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { LrSpread = 0.5 }.Validate()).Message);
        Assert.Contains("--epochs", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { Epochs = 0 }.Validate()).Message);
        Assert.Contains("--patience", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { Patience = 0 }.Validate()).Message);
    }
}

public class StrategyDefaultsTests
{
    [Fact]
    public void StrategiesGetTheirOwnDefaultsUnlessTheUserChose()
    {
        var fine = TransferSharp.Strategies.NetworkStrategy.Defaults(new() { Output = "x", Strategy = "fine-tune" });
        Assert.Equal((1e-3, 10.0), (fine.LearningRate, fine.LrSpread));
        var bn = TransferSharp.Strategies.NetworkStrategy.Defaults(new() { Output = "x", Strategy = "bn-only" });
        Assert.Equal((1e-2, 1.0), (bn.LearningRate, bn.LrSpread));
        var chosen = TransferSharp.Strategies.NetworkStrategy.Defaults(new() { Output = "x", Strategy = "bn-only", LearningRate = 3e-3, LrSpread = 4, Epochs = 7 });
        Assert.Equal((3e-3, 4.0, 7), (chosen.LearningRate, chosen.LrSpread, chosen.Epochs));
        var gradual = TransferSharp.Strategies.NetworkStrategy.Defaults(new() { Output = "x", Strategy = "gradual-unfreeze" });
        Assert.Equal((ScheduleKind.Constant, 2, 30), (gradual.Schedule, gradual.Patience, gradual.Epochs));
        // LP-FT fine-tunes on the statistics its probe saw; the others normalise with each batch's, unless the user chose.
        Assert.True(TransferSharp.Strategies.NetworkStrategy.Defaults(new() { Output = "x", Strategy = "lp-ft" }).FreezeBatchNormStatistics);
        Assert.False(fine.FreezeBatchNormStatistics);
        Assert.False(TransferSharp.Strategies.NetworkStrategy.Defaults(new() { Output = "x", Strategy = "lp-ft", FreezeBatchNormStatistics = false }).FreezeBatchNormStatistics);
        Assert.True(TransferSharp.Strategies.NetworkStrategy.Defaults(new() { Output = "x", Strategy = "fine-tune", FreezeBatchNormStatistics = true }).FreezeBatchNormStatistics);
        // The strategies that start from a fitted head score it as epoch 0; the others start from nothing worth keeping.
        Assert.True(TransferSharp.Strategies.NetworkStrategy.Defaults(new() { Output = "x", Strategy = "lp-ft" }).ScoreStart);
        Assert.True(gradual.ScoreStart);
        Assert.True(TransferSharp.Strategies.NetworkStrategy.Defaults(new() { Output = "x", Strategy = "adabn" }).ScoreStart);
        Assert.False(fine.ScoreStart);
        Assert.False(bn.ScoreStart);
    }
}
