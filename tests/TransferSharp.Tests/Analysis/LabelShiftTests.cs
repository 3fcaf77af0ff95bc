using TransferSharp.Analysis;

namespace TransferSharp.Tests.Analysis;

/// <summary>Label-shift estimation and correction on constructed data with known posteriors.</summary>
public class LabelShiftTests
{
    // Three 1-D Gaussian classes with unit variance at -2, 0, 2: the exact posterior under priors p is known in closed
    // form.
    private static readonly double[] means = { -2, 0, 2 };

    private static double[] LogLikelihoods(double x) => means.Select(m => -0.5 * (x - m) * (x - m)).ToArray();

    private static double[] LogPosterior(double x, double[] priors)
    {
        double[] z = LogLikelihoods(x).Select((l, c) => l + Math.Log(priors[c])).ToArray();
        double max = z.Max();
        double logSum = max + Math.Log(z.Sum(v => Math.Exp(v - max)));
        return z.Select(v => v - logSum).ToArray();
    }

    private static (double[] x, int[] y) Sample(double[] priors, int n, int seed)
    {
        var random = new Random(seed);
        var x = new double[n];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            double u = random.NextDouble(),
                acc = 0;
            int c = 0;
            for (; c < priors.Length - 1; c++)
            {
                acc += priors[c];
                if (u < acc)
                    break;
            }
            y[i] = c;
            double g = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            x[i] = means[c] + g;
        }
        return (x, y);
    }

    private static readonly double[] uniform = { 1.0 / 3, 1.0 / 3, 1.0 / 3 };

    private static CalibrationSet Validation(int n = 3000, double overconfidence = 1)
    {
        var (x, y) = Sample(uniform, n, seed: 1);
        return new CalibrationSet(
            y,
            x.Select(v => LogPosterior(v, uniform).Select(l => l * overconfidence).ToArray()).ToArray(),
            uniform
        );
    }

    [Fact]
    public void EmAndBbseRecoverShiftedPriorsFromUnlabelledData()
    {
        double[] target = { 0.7, 0.2, 0.1 };
        var (x, _) = Sample(target, 5000, seed: 2);
        double[][] logs = x.Select(v => LogPosterior(v, uniform)).ToArray();
        CalibrationSet validation = Validation();
        var (em, _) = LabelShift.EmWithBcts(validation, logs);
        Assert.True(LabelShift.L1(em.Priors, target) < 0.04, $"EM priors {string.Join(", ", em.Priors)}");
        double soft = LabelShift.L1(LabelShift.Bbse(validation, logs, soft: true).Priors, target),
            hard = LabelShift.L1(LabelShift.Bbse(validation, logs, soft: false).Priors, target);
        Assert.True(soft < 0.1 && hard < 0.1, $"BBSE soft L1 {soft}, hard {hard}");
        Assert.Equal(em.Priors[0] / uniform[0], em.Weights[0], 9);
    }

    [Fact]
    public void CorrectionGainsWhenPriorsMovedAndDoesNoHarmWithoutShift()
    {
        CalibrationSet validation = Validation();
        double Accuracy(double[] x, int[] y, Func<double[], double[]> probabilities) =>
            x.Select(
                    (v, i) =>
                        TransferSharp.Training.ModelEvaluation.ArgMax(probabilities(LogPosterior(v, uniform))) == y[i]
                            ? 1.0
                            : 0
                )
                .Average();

        var (xs, ys) = Sample(new[] { 0.8, 0.15, 0.05 }, 4000, seed: 3);
        var shifted = PriorAdjustment.FromTarget(validation, xs.Select(v => LogPosterior(v, uniform)).ToArray());
        double before = Accuracy(xs, ys, l => l.Select(Math.Exp).ToArray()),
            after = Accuracy(xs, ys, shifted.Apply);
        Assert.True(after > before + 0.03, $"before {before}, after {after}");

        var (xn, yn) = Sample(uniform, 4000, seed: 4);
        var none = PriorAdjustment.FromTarget(validation, xn.Select(v => LogPosterior(v, uniform)).ToArray());
        Assert.All(none.Estimate.Weights, w => Assert.InRange(w, 0.9, 1.1));
        double change = Accuracy(xn, yn, none.Apply) - Accuracy(xn, yn, l => l.Select(Math.Exp).ToArray());
        Assert.True(Math.Abs(change) <= 0.003, $"accuracy changed by {change} without shift");
    }

    [Fact]
    public void BiasCorrectedTemperatureScalingUndoesOverconfidenceAndLeavesCalibratedAlone()
    {
        CalibrationSet calibrated = Validation();
        Calibration identity = Calibration.FitBiasCorrected(calibrated.LogProbabilities, calibrated.Labels);
        Assert.InRange(identity.Temperature, 0.9, 1.1);
        Assert.All(identity.Biases, b => Assert.InRange(b - identity.Biases.Average(), -0.1, 0.1));

        CalibrationSet overconfident = Validation(overconfidence: 3);
        Calibration fitted = Calibration.FitBiasCorrected(overconfident.LogProbabilities, overconfident.Labels);
        Assert.InRange(fitted.Temperature, 2.6, 3.4);
        Assert.True(
            fitted.NegativeLogLikelihood(overconfident.LogProbabilities, overconfident.Labels)
                < Calibration.Identity(3).NegativeLogLikelihood(overconfident.LogProbabilities, overconfident.Labels)
                    - 0.05
        );
    }

    [Fact]
    public void AdjustIsBayesRule()
    {
        double[] adjusted = LabelShift.Adjust(new[] { 0.5, 0.5 }, new[] { 3.0, 1.0 });
        Assert.Equal(0.75, adjusted[0], 12);
        Assert.Equal(0.25, adjusted[1], 12);
    }

    [Fact]
    public void MissingValidationPredictionsNameTheFile()
    {
        string folder = TestPaths.NewTempDir("no-calibration");
        var error = Assert.Throws<TransferSharp.Data.DataException>(() => CalibrationSet.Load(folder));
        Assert.Contains(CalibrationSet.FileName, error.Message);
    }

    [Fact]
    public void TwoSampleTestSeparatesShiftedFromSameDistribution()
    {
        var random = new Random(5);
        float[][] Draw(int n, float shift) =>
            Enumerable
                .Range(0, n)
                .Select(_ =>
                    Enumerable.Range(0, 8).Select(d => (float)(random.NextDouble() + (d == 0 ? shift : 0))).ToArray()
                )
                .ToArray();
        MmdResult same = TwoSample.Mmd(Draw(150, 0), Draw(150, 0), permutations: 200, seed: 1);
        MmdResult shifted = TwoSample.Mmd(Draw(150, 0), Draw(150, 0.5f), permutations: 200, seed: 1);
        Assert.True(same.PValue > 0.05, $"same distribution p = {same.PValue}");
        Assert.True(shifted.PValue < 0.01, $"shifted p = {shifted.PValue}");
        Assert.True(shifted.Mmd2 > same.Mmd2);
    }

    [Fact]
    public void ChiSquareHomogeneity()
    {
        int[] a = Enumerable.Range(0, 300).Select(i => i % 3).ToArray();
        Assert.True(ShiftDiagnoser.ChiSquareHomogeneity(a, a, 3, 0.05).PValue > 0.99);
        int[] b = Enumerable.Range(0, 300).Select(i => i % 10 == 0 ? 1 : 0).ToArray();
        Assert.True(ShiftDiagnoser.ChiSquareHomogeneity(a, b, 3, 0.05).PValue < 1e-6);
    }

    [Theory]
    [InlineData("none", "no-shift")]
    [InlineData("label", "label-shift")]
    [InlineData("covariate", "covariate-shift")]
    [InlineData("concept", "concept-shift")]
    public void DiagnosisTellsTheKindsOfShiftApart(string kind, string verdict)
    {
        CalibrationSet validation = Validation(600);
        var (sx, sy) = Sample(uniform, 600, seed: 6);
        double[] targetPriors = kind == "label" ? new[] { 0.7, 0.2, 0.1 } : uniform;
        var (tx, ty) = Sample(targetPriors, 600, seed: 7);
        // Covariate shift: a nuisance feature the classifier ignores (another scanner) moves; p(y) and p(y|x) stay.
        var noise = new Random(9);
        float[] Feature(double v, bool moved) =>
            new[] { (float)v, (float)(noise.NextDouble() * 2 + (moved ? 1.5 : 0)) };
        var (lx, ly) = Sample(uniform, 200, seed: 8);
        // Concept shift: the labelling rule changed (classes 0 and 2 swapped) while the images did not.
        if (kind == "concept")
            ly = ly.Select(y => 2 - y).ToArray();
        var inputs = new ShiftInputs(
            validation,
            sx.Select(v => Feature(v, false)).ToList(),
            sy,
            tx.Select(v => Feature(v, kind == "covariate")).ToList(),
            tx.Select(v => LogPosterior(v, uniform)).ToArray(),
            lx.Select(v => LogPosterior(v, uniform)).ToArray(),
            ly
        );
        ShiftReport report = ShiftDiagnoser.Diagnose(
            inputs,
            new[] { "a", "b", "c" },
            new ShiftDiagnosisOptions { Permutations = 200, BootstrapResamples = 50 }
        );
        Assert.True(report.Verdict == verdict, $"{report.Verdict}: {report.Explanation}");
        Assert.False(string.IsNullOrWhiteSpace(report.Recommendation));
    }
}
