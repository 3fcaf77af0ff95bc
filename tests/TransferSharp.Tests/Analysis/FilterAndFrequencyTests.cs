using TransferSharp.Analysis;
using TransferSharp.Backbones;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Tests.Analysis;

public class FilterAndFrequencyTests
{
    [Fact]
    public void LuminanceFilterIsFullyExcitedByGrayAndRedMinusGreenNotAtAll()
    {
        var random = new Random(1);
        float[] pattern = Enumerable.Range(0, 9).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        // Filter 0: the same pattern in R, G, B. Filter 1: R minus G. Filter 2: mostly luminance with a little colour.
        var values = new float[3 * 3 * 9];
        for (int k = 0; k < 9; k++)
        {
            for (int c = 0; c < 3; c++)
                values[(0 * 3 + c) * 9 + k] = pattern[k];
            values[(1 * 3 + 0) * 9 + k] = pattern[k];
            values[(1 * 3 + 1) * 9 + k] = -pattern[k];
            for (int c = 0; c < 3; c++)
                values[(2 * 3 + c) * 9 + k] = pattern[k] * (c == 0 ? 1.3f : 1f);
        }
        FilterReport report = FilterAnalysis.Analyse(tensor(values, new long[] { 3, 3, 3, 3 }));
        Assert.Equal(1, report.Filters[0].GrayExcitableShare, 6);
        Assert.Equal(0, report.Filters[1].GrayExcitableShare, 6);
        Assert.InRange(report.Filters[2].GrayExcitableShare, 0.95, 1);
        Assert.Equal(1, report.ColourOpponentCount);
        Assert.True(report.Filters[1].ColourOpponent);
    }

    [Fact]
    public void ResNet18HasColourOpponentFiltersAndWritesAGrid()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, 32);
        FilterReport report = FilterAnalysis.Analyse(backbone);
        Assert.Equal(64, report.Filters.Count);
        Assert.InRange(report.ColourOpponentCount, 1, 63);
        string png = Path.Combine(TestPaths.NewTempDir("filters"), "filters.png");
        FilterAnalysis.WriteGrid(backbone, report, png);
        Assert.True(new FileInfo(png).Length > 1000);
    }

    private static FrequencyResponse Response(Func<Tensor, Tensor> layer) =>
        FrequencyAnalysis.Measure(
            x => new[] { ("out", layer(x.permute(0, 3, 1, 2))) },
            64,
            background: 0,
            amplitude: 1,
            orientations: 4,
            phases: 4
        );

    [Fact]
    public void IdentityIsFlatBlurIsLowPassDerivativeIsHighPass()
    {
        FrequencyResponse identity = Response(x => x);
        Assert.All(identity.GainDb[0], g => Assert.InRange(g, -1, 1));

        Tensor box = full(new long[] { 1, 1, 5, 5 }, 1f / 25);
        FrequencyResponse blur = Response(x => F.conv2d(x, box, padding: new long[] { 2, 2 }));
        Assert.True(blur.HighToLowDb["out"] < -15, $"blur: {blur.HighToLowDb["out"]} dB");

        Tensor derivative = tensor(new float[] { -1, 1, 0, 0 }, new long[] { 1, 1, 2, 2 });
        FrequencyResponse edges = Response(x => F.conv2d(x, derivative));
        Assert.True(edges.HighToLowDb["out"] > 15, $"derivative: {edges.HighToLowDb["out"]} dB");
        // Monotone enough: each band at least as strong as two bands below it.
        double[] g = edges.GainDb[0];
        for (int b = 2; b < g.Length; b++)
            Assert.True(g[b] > g[b - 2], $"band {b}: {g[b]} vs {g[b - 2]}");
    }

    [Fact]
    public void SpectralProfileOfWhiteNoiseIsFlatterThanNaturalAndSumsToOne()
    {
        var random = new Random(3);
        var pixels = new byte[8 * 64 * 64];
        random.NextBytes(pixels);
        double[] f = FrequencyAnalysis.DefaultFrequencies(64);
        SpectralProfile profile = FrequencyAnalysis.Profile(
            new[] { tensor(pixels, new long[] { 8, 64, 64, 1 }) },
            64,
            f
        );
        Assert.Equal(1, profile.Share.Sum(), 6);
        Assert.Equal(1, profile.NaturalShare.Sum(), 6);
        // White noise puts most of its energy at high frequencies, natural images spread it evenly per octave.
        Assert.True(profile.Share[^1] > 3 * profile.NaturalShare[^1]);
        var verdict = FrequencyAnalysis.Verdict(
            new FrequencyResponse(
                f,
                new[] { "stem", "stage1", "stage2" },
                new[]
                {
                    f.Select(_ => 0.0).ToArray(),
                    f.Select(_ => 0.0).ToArray(),
                    f.Select((_, i) => -3.0 * i).ToArray(),
                },
                new Dictionary<string, double>()
            ),
            profile
        );
        Assert.True(verdict.TuneEarlyLayers, verdict.Verdict);
        Assert.Contains("tune the stem and stage 1", verdict.Verdict);
    }
}
