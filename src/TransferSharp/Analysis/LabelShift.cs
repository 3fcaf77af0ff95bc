using MathNet.Numerics.LinearAlgebra;
using TransferSharp.Training;

namespace TransferSharp.Analysis;

/// <summary>
/// Label shift (p(y) moves, p(x|y) stays): estimation of the target priors from unlabelled target predictions, and the
/// Bayes-rule correction p_T(y|x) ∝ p_S(y|x) · p_T(y) / p_S(y). BBSE: Lipton, Wang and Smola (2018); EM: Saerens,
/// Latinne and Decaestecker (2002); BCTS: Alexandari, Kundaje and Shrikumar (2020).
/// </summary>
public static class LabelShift
{
    /// <summary>Softmax of one row.</summary>
    public static double[] Softmax(double[] z)
    {
        double max = z.Max();
        double[] e = z.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    /// <summary>Class frequencies.</summary>
    public static double[] Frequencies(IEnumerable<int> labels, int classes)
    {
        var counts = new double[classes];
        int n = 0;
        foreach (int y in labels)
        {
            counts[y]++;
            n++;
        }
        return counts.Select(c => n == 0 ? 1.0 / classes : c / n).ToArray();
    }

    /// <summary>L1 distance between two distributions.</summary>
    public static double L1(double[] p, double[] q) => p.Zip(q, (a, b) => Math.Abs(a - b)).Sum();

    /// <summary>
    /// Black-box shift estimation. The confusion matrix C[i, j] = P_val(ŷ = i, y = j) (hard: predicted labels; soft:
    /// predicted probabilities, both on the same calibration as the target's) and the target's mean prediction μ
    /// give μ = C w, solved for w = p_T(y) / p_val(y) (pseudo-inverse; negative weights clipped to zero).
    /// </summary>
    public static PriorEstimate Bbse(
        CalibrationSet validation,
        double[][] targetLogProbabilities,
        bool soft,
        Calibration? calibration = null
    )
    {
        int k = validation.Classes;
        calibration ??= Calibration.Identity(k);
        double[][] valProbs = calibration.Probabilities(validation.LogProbabilities);
        double[][] targetRows = calibration.Probabilities(targetLogProbabilities);
        var confusion = Matrix<double>.Build.Dense(k, k);
        for (int i = 0; i < valProbs.Length; i++)
        {
            if (soft)
                for (int c = 0; c < k; c++)
                    confusion[c, validation.Labels[i]] += valProbs[i][c];
            else
                confusion[ModelEvaluation.ArgMax(valProbs[i]), validation.Labels[i]] += 1;
        }
        confusion = confusion / valProbs.Length;
        var mu = Vector<double>.Build.Dense(k);
        foreach (double[] row in targetRows)
        {
            if (soft)
                for (int c = 0; c < k; c++)
                    mu[c] += row[c];
            else
                mu[ModelEvaluation.ArgMax(row)] += 1;
        }
        mu = mu / targetRows.Length;
        Vector<double> w = confusion.PseudoInverse() * mu;
        double[] valPriors = validation.ValidationPriors();
        double[] priors = Normalize(w.Select((v, c) => Math.Max(0, v) * valPriors[c]).ToArray());
        return new PriorEstimate(
            soft ? "bbse-soft" : "bbse-hard",
            priors,
            WeightsFor(priors, validation.SourcePriors),
            0
        );
    }

    /// <summary>
    /// EM (Saerens et al.): alternately re-weight the calibrated source posteriors by the current prior ratio and set
    /// the priors to the mean re-weighted posterior, until the priors move less than <paramref name="tolerance"/> (L1).
    /// </summary>
    public static PriorEstimate ExpectationMaximization(
        double[][] calibratedTarget,
        double[] sourcePriors,
        double tolerance = 1e-8,
        int maxIterations = 10_000
    )
    {
        int k = sourcePriors.Length;
        double[] priors = (double[])sourcePriors.Clone();
        int iteration = 0;
        var next = new double[k];
        var row = new double[k];
        for (; iteration < maxIterations; iteration++)
        {
            Array.Clear(next);
            foreach (double[] p in calibratedTarget)
            {
                double sum = 0;
                for (int c = 0; c < k; c++)
                {
                    row[c] = sourcePriors[c] > 0 ? p[c] * priors[c] / sourcePriors[c] : 0;
                    sum += row[c];
                }
                if (sum <= 0)
                    continue;
                for (int c = 0; c < k; c++)
                    next[c] += row[c] / sum;
            }
            double total = next.Sum();
            double change = 0;
            for (int c = 0; c < k; c++)
            {
                double v = next[c] / total;
                change += Math.Abs(v - priors[c]);
                priors[c] = v;
            }
            if (change < tolerance)
            {
                iteration++;
                break;
            }
        }
        return new PriorEstimate("em-bcts", priors, WeightsFor(priors, sourcePriors), iteration);
    }

    /// <summary>EM on BCTS-calibrated probabilities: BCTS is fitted on <paramref name="validation"/>.</summary>
    public static (PriorEstimate estimate, Calibration calibration) EmWithBcts(
        CalibrationSet validation,
        double[][] targetLogProbabilities
    )
    {
        var calibration = Calibration.FitBiasCorrected(validation.LogProbabilities, validation.Labels);
        return (
            ExpectationMaximization(calibration.Probabilities(targetLogProbabilities), validation.SourcePriors),
            calibration
        );
    }

    /// <summary>Bootstrap percentile interval of the EM priors: resample the target rows <paramref name="resamples"/>
    /// times.</summary>
    public static (double[] low, double[] high) BootstrapInterval(
        double[][] calibratedTarget,
        double[] sourcePriors,
        int resamples = 200,
        double level = 0.95,
        int seed = 0
    )
    {
        int k = sourcePriors.Length,
            n = calibratedTarget.Length;
        var random = new Random(seed);
        var draws = new double[resamples][];
        var sample = new double[n][];
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < n; i++)
                sample[i] = calibratedTarget[random.Next(n)];
            draws[r] = ExpectationMaximization(sample, sourcePriors, 1e-6, 1000).Priors;
        }
        double lowQ = (1 - level) / 2,
            highQ = 1 - lowQ;
        double[] low = new double[k],
            high = new double[k];
        for (int c = 0; c < k; c++)
        {
            double[] values = draws.Select(d => d[c]).OrderBy(v => v).ToArray();
            low[c] = values[(int)Math.Floor(lowQ * (resamples - 1))];
            high[c] = values[(int)Math.Ceiling(highQ * (resamples - 1))];
        }
        return (low, high);
    }

    /// <summary>Bayes-rule correction of one row: p_T(y|x) ∝ p_S(y|x) · w_y.</summary>
    public static double[] Adjust(double[] probabilities, double[] weights) =>
        Normalize(probabilities.Select((p, c) => p * weights[c]).ToArray());

    /// <summary>Corrects every row.</summary>
    public static double[][] Adjust(double[][] probabilities, double[] weights) =>
        probabilities.Select(p => Adjust(p, weights)).ToArray();

    /// <summary>w_y = p_T(y) / p_S(y) (zero where the source never saw the class).</summary>
    public static double[] WeightsFor(double[] targetPriors, double[] sourcePriors) =>
        targetPriors.Select((p, c) => sourcePriors[c] > 0 ? p / sourcePriors[c] : 0).ToArray();

    /// <summary>Scales to sum 1 (uniform when everything is zero).</summary>
    public static double[] Normalize(double[] values)
    {
        double sum = values.Sum();
        return sum > 0 ? values.Select(v => v / sum).ToArray() : values.Select(_ => 1.0 / values.Length).ToArray();
    }
}
