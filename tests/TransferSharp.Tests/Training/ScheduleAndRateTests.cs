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
        for (int i = 1; i < rates.Length; i++)
            Assert.Equal(Math.Pow(100, 0.2), rates[i] / rates[i - 1], 9);
    }

    [Fact]
    public void LayerDecayMultipliesDownwards()
    {
        Assert.Equal(
            new[] { 2.5e-4, 5e-4, 1e-3 },
            LearningRateSpread.LayerDecay(1e-3, 0.5, 3).Select(r => Math.Round(r, 12))
        );
        Assert.Equal(new[] { 0.1, 0.1 }, LearningRateSpread.Uniform(0.1, 2));
    }

    [Fact]
    public void OptionsPickLayerDecayOverSpread()
    {
        var options = new TrainingSettings
        {
            LearningRate = 1,
            LrSpread = 100,
            LayerDecay = 0.5,
        };
        Assert.Equal(new[] { 0.25, 0.5, 1.0 }, options.GroupRates(3));
        Assert.Equal(
            new[] { 0.01, 0.1, 1.0 },
            (options with { LayerDecay = null }).GroupRates(3).Select(r => Math.Round(r, 10))
        );
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
        Assert.True(
            Schedules.Multiplier(ScheduleKind.OneCycle, 0.2, 0) < Schedules.Multiplier(ScheduleKind.OneCycle, 0.25, 0)
        );
    }

    [Fact]
    public void OutOfRangeOptionsNameTheOption()
    {
        var spread = Assert.Throws<OptionException>(() => new TrainingSettings { LrSpread = 0.5 }.Validate());
        Assert.Equal(("TrainingSettings.LrSpread", "0.5"), (spread.Option, spread.Value));
        Assert.Contains("between 1 and 1000000", spread.Problem);
        Assert.Contains(
            "TrainingOptions.Epochs",
            Assert
                .Throws<OptionException>(() => new TrainingSettings { Epochs = 0 }.Validate(nameof(TrainingOptions)))
                .Message
        );
        Assert.Contains(
            "Patience",
            Assert.Throws<OptionException>(() => new TrainingSettings { Patience = 0 }.Validate()).Message
        );
        // NaN is outside every range.
        Assert.Contains(
            "LearningRate",
            Assert.Throws<OptionException>(() => new TrainingSettings { LearningRate = double.NaN }.Validate()).Message
        );
    }
}
