using TransferSharp.Adapters;
using TransferSharp.Analysis;
using TransferSharp.Learning;
using TransferSharp.Strategies;
using TransferSharp.Strategies.Auto;

namespace TransferSharp.Tests.Analysis;

public class StrategyAdvisorTests
{
    private static readonly Dictionary<string, long> parameters = new()
    {
        ["feature-extraction"] = 5_130,
        ["fine-tune"] = 11_181_642,
        ["gradual-unfreeze"] = 11_181_642,
        ["lp-ft"] = 11_181_642,
    };

    private static Advice Advise(
        int perClass,
        double? d,
        bool highFrequency = false,
        int channels = 3,
        int smallest = -1
    ) =>
        StrategyAdvisor.Advise(
            new AdviceInputs(
                perClass * 10,
                10,
                smallest < 0 ? perClass : smallest,
                channels,
                d,
                highFrequency,
                parameters
            )
        );

    [Theory]
    [InlineData(10, 0.49, "few-data/moderate-domain", "feature-extraction")]
    [InlineData(10, 2.0, "few-data/far-domain", "gradual-unfreeze")]
    [InlineData(100, 0.49, "some-data/moderate-domain", "lp-ft")]
    [InlineData(100, 2.0, "some-data/far-domain", "fine-tune")]
    [InlineData(100, 0.1, "some-data/near-domain", "lp-ft")]
    [InlineData(1000, 2.0, "much-data/far-domain", "fine-tune")]
    public void RulesPickTheExpectedRegime(int perClass, double d, string regime, string strategy)
    {
        Advice advice = Advise(perClass, d);
        Assert.Equal(regime, advice.Regime);
        Assert.Equal(strategy, advice.Strategy.Name);
        Assert.Contains($"N = {perClass * 10:N0}", advice.Explanation);
        Assert.Contains("P/N", advice.Explanation);
        Assert.Contains($"d = {d:F2}", advice.Explanation);
    }

    [Fact]
    public void HighFrequencyTasksTuneTheEarlyLayersAndManyBandsGetTheConv1x1Adapter()
    {
        Assert.Equal("gradual-unfreeze", Advise(10, 0.49, highFrequency: true).Strategy.Name);
        Assert.Equal("conv1x1", Advise(100, 0.49, channels: 8).Adapter);
        Assert.Equal("replicate", Advise(100, 0.49, channels: 1).Adapter);
    }

    [Fact]
    public void ManyBandsGetWeightSumWhereEveryLayerTrainsAtOnceAndConv1x1Elsewhere()
    {
        Advice bands = Advise(1000, 2.0, channels: 8);
        // Fine-tuning everything would move the backbone before the adapter found the bands: LP-FT instead.
        Assert.Equal("lp-ft", bands.Strategy.Name);
        Assert.Equal("fine-tune", bands.Alternatives[0].Name);
        Assert.Contains("With 8 channels, LP-FT", bands.Explanation);
        Assert.Equal("fine-tune", Advise(1000, 2.0, channels: 3).Strategy.Name);
        Assert.Equal("weight-sum", bands.AdapterFor(StrategyRegistry.FineTune));
        Assert.Equal("weight-sum", bands.AdapterFor(StrategyRegistry.Scratch));
        Assert.Equal("conv1x1", bands.AdapterFor(StrategyRegistry.LpFt));
        Assert.Equal("conv1x1", bands.AdapterFor(StrategyRegistry.FeatureExtraction));
        Assert.Equal("replicate", Advise(1000, 2.0, channels: 1).AdapterFor(StrategyRegistry.FineTune));
        // Under auto the advice applies per candidate unless an adapter was asked for.
        var options = new LearnerOptions();
        var auto = new AutoOptions();
        Assert.Equal(
            AdapterKind.WeightSum,
            AutoDecision.Chosen(options, auto, StrategyRegistry.FineTune, bands).Model.Adapter
        );
        Assert.Equal(
            AdapterKind.Conv1x1,
            AutoDecision.Chosen(options, auto, StrategyRegistry.LpFt, bands).Model.Adapter
        );
        var asked = options with { Model = options.Model with { Adapter = AdapterKind.Conv1x1 } };
        Assert.Equal(
            AdapterKind.Conv1x1,
            AutoDecision.Chosen(asked, auto, StrategyRegistry.FineTune, bands).Model.Adapter
        );
    }

    [Fact]
    public void TheAdviceIncludesInputSizeEpochsAndLearningRates()
    {
        Assert.Equal(112, StrategyAdvisor.InputSizeFor(28, 224)); // Fashion-MNIST: 4x
        Assert.Equal(208, StrategyAdvisor.InputSizeFor(50, 224)); // 4x, rounded up to a multiple of 16
        Assert.Equal(224, StrategyAdvisor.InputSizeFor(60, 224)); // capped at the native size
        Assert.Equal(224, StrategyAdvisor.InputSizeFor(500, 224)); // large images: the backbone's own size
        Assert.Equal(64, StrategyAdvisor.InputSizeFor(8, 224)); // never below 64
        Assert.Null(StrategyAdvisor.InputSizeFor(null, 224));

        var inputs = new AdviceInputs(1000, 10, 100, 1, 0.49, false, parameters, ImageSide: 28, NativeSize: 224);
        Advice tune = StrategyAdvisor.Advise(inputs);
        Assert.Equal("lp-ft", tune.Strategy.Name);
        Assert.Equal(112, tune.InputSize);
        TrainingRecipe recipe = Assert.IsType<TrainingRecipe>(tune.Training);
        Assert.Equal(15, recipe.Epochs);
        Assert.True(
            recipe.StemLearningRate < recipe.HeadLearningRate,
            "discriminative rates: the stem learns slower than the head"
        );
        Assert.Contains("Input: 112 px for 28 px images", tune.Explanation);
        Assert.Contains("15 epochs", tune.Explanation);
        Assert.Contains("discriminative", tune.Explanation);

        Advice frozen = StrategyAdvisor.Advise(inputs with { Images = 100, SmallestClass = 10 });
        Assert.Equal("feature-extraction", frozen.Strategy.Name);
        Assert.Null(frozen.Training);
        Assert.Contains("300 full-batch steps", frozen.Explanation);
        Assert.Equal(30, StrategyAdvisor.RecipeFor(StrategyRegistry.GradualUnfreeze)!.Epochs);
    }

    [Fact]
    public void TheImageSideIsMeasuredOnASample()
    {
        string folder = TestImages.WriteFolder(TestPaths.NewTempDir("side"), classes: 2, perClass: 3, size: 40);
        Assert.Equal(40, AdviceMeasurements.ImageSide(TransferSharp.Data.DatasetLoader.Load(folder)));
    }

    [Fact]
    public void TooSmallToSplitStillGetsFeatureExtractionWithTheReason()
    {
        Advice advice = Advise(5, 0.49, smallest: 1);
        Assert.Equal("feature-extraction", advice.Strategy.Name);
        Assert.Contains("too few to hold out", advice.Explanation);
    }

    [Fact]
    public void AnIntermediateGroupRankedFirstByLogMeIsRecommended()
    {
        GroupTransferability[] Scores(double stage3) =>
            new[]
            {
                new GroupTransferability("stem", 64, -1.2),
                new GroupTransferability("stage3", 256, stage3),
                new GroupTransferability("stage4", 512, -0.80),
            };
        Advice better = StrategyAdvisor.Advise(
            new AdviceInputs(100, 10, 10, 3, 0.49, false, parameters, Scores(-0.70))
        );
        Assert.Equal(new[] { "stage3" }, better.FeatureLayers);
        Assert.Equal(new[] { "stage3" }, better.HeadLayers); // a fine-tuning head reads it too
        Assert.Contains("--features stage3", better.Explanation);
        Assert.Contains("stage4 -0.800", better.Explanation);
        // Ranked first by a hair: still chosen (no margin for the last group); a tie or below: the last group alone.
        Assert.Equal(
            new[] { "stage3" },
            StrategyAdvisor
                .Advise(new AdviceInputs(100, 10, 10, 3, 0.49, false, parameters, Scores(-0.795)))
                .FeatureLayers
        );
        Assert.Equal(
            new[] { "stage4" },
            StrategyAdvisor
                .Advise(new AdviceInputs(100, 10, 10, 3, 0.49, false, parameters, Scores(-0.80)))
                .FeatureLayers
        );
        Advice same = StrategyAdvisor.Advise(new AdviceInputs(100, 10, 10, 3, 0.49, false, parameters, Scores(-0.9)));
        Assert.Equal(new[] { "stage4" }, same.FeatureLayers);
        Assert.Null(same.HeadLayers); // the network's own head
        Assert.Contains("The last group's features transfer best", same.Explanation);
        Assert.Null(Advise(10, 0.49).FeatureLayers); // not measured: no layer advice
    }

    [Fact]
    public void ALastGroupRankedFirstWithinNoiseGivesWayToTheNarrowerRunnerUp()
    {
        GroupTransferability[] Scores(double? noise) =>
            new[]
            {
                new GroupTransferability("stem", 64, -1.2),
                new GroupTransferability("stage3", 256, -0.813, noise),
                new GroupTransferability("stage4", 512, -0.80),
            };
        // stage4 first by 0.013: within a bootstrap noise of 0.018, stage3 (half the features) is chosen and the reason
        // given.
        Advice close = StrategyAdvisor.Advise(new AdviceInputs(100, 10, 10, 3, 0.49, false, parameters, Scores(0.018)));
        Assert.Equal(new[] { "stage3" }, close.FeatureLayers);
        Assert.Contains(
            "stage4 ranks first by 0.013, less than the sampling noise of that difference (0.018",
            close.Explanation
        );
        // Beyond the noise, or not measured: the last group.
        Assert.Equal(
            new[] { "stage4" },
            StrategyAdvisor
                .Advise(new AdviceInputs(100, 10, 10, 3, 0.49, false, parameters, Scores(0.005)))
                .FeatureLayers
        );
        Assert.Equal(
            new[] { "stage4" },
            StrategyAdvisor
                .Advise(new AdviceInputs(100, 10, 10, 3, 0.49, false, parameters, Scores(null)))
                .FeatureLayers
        );
    }

    [Fact]
    public void LogMeAgreesWithTheEvidenceComputedDirectly()
    {
        // The oracle: for LogME's fitted alpha and beta, the log evidence of the Bayesian linear model written out with
        // dense matrices (A = alpha I + beta F'F, m = beta A^-1 F'y), no SVD; LogME's fixed point is where alpha and
        // beta
        // maximise it, so the oracle at those values must reproduce its value, and any other (alpha, beta) gives less.
        var random = new Random(6);
        foreach (var (n, d) in new[] { (40, 12), (12, 30) })
        {
            int classes = 3;
            int[] labels = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
            double[][] f = labels
                .Select(y => Enumerable.Range(0, d).Select(j => random.NextDouble() + (j == y ? 1.0 : 0)).ToArray())
                .ToArray();
            double logMe = Transferability.LogMe(f, labels, classes);
            var design = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfRowArrays(f);
            double Evidence(int k, double alpha, double beta)
            {
                var y = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(n, i => labels[i] == k ? 1.0 : 0.0);
                var a =
                    MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseIdentity(d) * alpha
                    + design.TransposeThisAndMultiply(design) * beta;
                var m = a.Solve(design.TransposeThisAndMultiply(y)) * beta;
                double res2 = (y - design * m).DotProduct(y - design * m);
                return (
                        d / 2.0 * Math.Log(alpha)
                        + n / 2.0 * Math.Log(beta)
                        - 0.5 * a.Cholesky().DeterminantLn
                        - beta / 2 * res2
                        - alpha / 2 * m.DotProduct(m)
                        - n / 2.0 * Math.Log(2 * Math.PI)
                    ) / n;
            }
            // Maximise the oracle over a log grid of (alpha, beta) per class, then refine: it must not beat LogME, and
            // comes close.
            double best = 0;
            for (int k = 0; k < classes; k++)
            {
                double top = double.NegativeInfinity;
                for (double la = -6; la <= 6; la += 0.25)
                for (double lb = -6; lb <= 6; lb += 0.25)
                    top = Math.Max(top, Evidence(k, Math.Exp(la), Math.Exp(lb)));
                best += top / classes;
            }
            Assert.True(
                best <= logMe + 1e-6,
                $"n={n}, d={d}: a grid point beat LogME's maximum ({best:F6} > {logMe:F6})"
            );
            Assert.True(
                logMe - best < 0.01,
                $"n={n}, d={d}: LogME {logMe:F6} far above the grid's best evidence {best:F6}"
            );
        }
    }

    [Fact]
    public void TheNoiseOfALogMeDifferenceIsZeroForIdenticalFeaturesAndShrinksWithTheSample()
    {
        var random = new Random(5);
        int classes = 3,
            width = 8;
        double Gaussian() =>
            Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        (double[][] a, double[][] b, int[] labels) Sample(int n)
        {
            int[] labels = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
            double[][] a = labels
                .Select(y => Enumerable.Range(0, width).Select(j => Gaussian() + (j == y ? 1.5 : 0)).ToArray())
                .ToArray();
            double[][] b = labels
                .Select(y => Enumerable.Range(0, width).Select(j => Gaussian() + (j == y ? 1.0 : 0)).ToArray())
                .ToArray();
            return (a, b, labels);
        }
        var (a, b, labels) = Sample(60);
        Assert.Equal(0, Transferability.DifferenceNoise(a, a, labels, classes), 12);
        double small = Transferability.DifferenceNoise(a, b, labels, classes);
        Assert.True(small > 0);
        Assert.Equal(small, Transferability.DifferenceNoise(a, b, labels, classes), 12); // seeded: the same resamples
        var (a2, b2, labels2) = Sample(960);
        double large = Transferability.DifferenceNoise(a2, b2, labels2, classes);
        Assert.True(large < small, $"noise on 960 rows {large:F4} should be below that on 60 rows {small:F4}");
    }

    [Fact]
    public void LogMeScoresPredictiveFeaturesAboveNoise()
    {
        var random = new Random(4);
        int n = 120,
            classes = 3,
            width = 16;
        int[] labels = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
        double Gaussian() =>
            Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        double[][] noise = Enumerable
            .Range(0, n)
            .Select(_ => Enumerable.Range(0, width).Select(_ => Gaussian()).ToArray())
            .ToArray();
        // The same noise, plus a label-dependent shift along three directions.
        double[][] informative = noise
            .Select((row, i) => row.Select((v, j) => v + (j == labels[i] ? 3.0 : 0)).ToArray())
            .ToArray();
        double good = Transferability.LogMe(informative, labels, classes),
            bad = Transferability.LogMe(noise, labels, classes);
        Assert.True(double.IsFinite(good) && double.IsFinite(bad));
        Assert.True(good > bad + 0.1, $"LogME informative {good:F3} should beat noise {bad:F3}");
        // More rows than features and fewer (d > n) both work.
        Assert.True(
            double.IsFinite(Transferability.LogMe(informative.Take(10).ToArray(), labels.Take(10).ToArray(), classes))
        );
    }
}
