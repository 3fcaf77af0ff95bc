using TransferSharp.Analysis;

namespace TransferSharp.Tests.Analysis;

public class StrategyAdvisorTests
{
    private static readonly Dictionary<string, long> Parameters = new() { ["feature-extraction"] = 5_130, ["fine-tune"] = 11_181_642, ["gradual-unfreeze"] = 11_181_642, ["lp-ft"] = 11_181_642 };

    private static Advice Advise(int perClass, double? d, bool highFrequency = false, int channels = 3, int smallest = -1) =>
        StrategyAdvisor.Advise(new AdviceInputs(perClass * 10, 10, smallest < 0 ? perClass : smallest, channels, d, highFrequency, Parameters));

    [Theory]
    [InlineData(10, 0.49, "few-data/moderate-domain", "feature-extraction")]
    [InlineData(10, 2.0, "few-data/far-domain", "gradual-unfreeze")]
    [InlineData(100, 0.49, "some-data/moderate-domain", "fine-tune")]
    [InlineData(100, 0.1, "some-data/near-domain", "lp-ft")]
    [InlineData(1000, 2.0, "much-data/far-domain", "fine-tune")]
    public void RulesPickTheExpectedRegime(int perClass, double d, string regime, string strategy)
    {
        Advice advice = Advise(perClass, d);
        Assert.Equal(regime, advice.Regime);
        Assert.Equal(strategy, advice.Strategy);
        Assert.Contains($"N = {perClass * 10:N0}", advice.Explanation);
        Assert.Contains("P/N", advice.Explanation);
        Assert.Contains($"d = {d:F2}", advice.Explanation);
    }

    [Fact]
    public void HighFrequencyTasksTuneTheEarlyLayersAndManyBandsGetTheConv1x1Adapter()
    {
        Assert.Equal("gradual-unfreeze", Advise(10, 0.49, highFrequency: true).Strategy);
        Assert.Equal("conv1x1", Advise(100, 0.49, channels: 8).Adapter);
        Assert.Equal("replicate", Advise(100, 0.49, channels: 1).Adapter);
    }

    [Fact]
    public void TooSmallToSplitStillGetsFeatureExtractionWithTheReason()
    {
        Advice advice = Advise(5, 0.49, smallest: 1);
        Assert.Equal("feature-extraction", advice.Strategy);
        Assert.Contains("too few to hold out", advice.Explanation);
    }
}
