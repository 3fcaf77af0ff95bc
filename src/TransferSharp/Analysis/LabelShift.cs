using MathNet.Numerics.LinearAlgebra;
using TransferSharp.Data;
using TransferSharp.Runs;

namespace TransferSharp.Analysis;

/// <summary>
/// A trained model's predictions on its held-out validation split, saved by <c>fit</c> beside the model: what calibration,
/// confusion-based label-shift estimation (BBSE) and shift diagnosis need. Log-probabilities are the model's own
/// (uncalibrated) log-softmax outputs.
/// </summary>
/// <param name="Labels">True class of each validation image.</param>
/// <param name="LogProbabilities">Log-softmax outputs, one row per validation image.</param>
/// <param name="SourcePriors">Class frequencies of the training split: the prior the model learned.</param>
public sealed record CalibrationSet(int[] Labels, double[][] LogProbabilities, double[] SourcePriors)
{
    /// <summary>The file name inside a run folder.</summary>
    public const string FileName = "validation_predictions.json";

    /// <summary>Number of classes.</summary>
    public int Classes => SourcePriors.Length;

    /// <summary>Reads the file from a run folder; the error names the file when it is missing or malformed.</summary>
    public static CalibrationSet Load(string runFolder)
    {
        string path = Path.Combine(runFolder, FileName);
        if (!File.Exists(path))
            throw new DataException($"{path}: missing; this run folder has no validation predictions (written by fit since label-shift support): fit the model again.", path);
        CalibrationSet set;
        try { set = Json.Read<CalibrationSet>(path); }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException) { throw new DataException($"{path}: not valid validation predictions ({e.Message}).", path, e); }
        if (set.Labels is null || set.LogProbabilities is null || set.SourcePriors is null || set.Labels.Length != set.LogProbabilities.Length || set.Labels.Length == 0)
            throw new DataException($"{path}: labels and log-probabilities are missing or of different lengths.", path);
        return set;
    }

    /// <summary>Writes the file into a run folder.</summary>
    public void Save(string runFolder) => Json.Write(Path.Combine(runFolder, FileName), this);

    /// <summary>Class frequencies of the validation labels.</summary>
    public double[] ValidationPriors() => LabelShift.Frequencies(Labels, Classes);
}

/// <summary>
/// Probability calibration by bias-corrected temperature scaling (BCTS, Alexandari et al. 2020): calibrated
/// p(y|x) = softmax(z / T + b), with the temperature T and one bias per class fitted by minimising the negative
/// log-likelihood on held-out data. With T = 1 and b = 0 it is the identity.
/// </summary>
/// <param name="Temperature">T.</param>
/// <param name="Biases">b, one per class.</param>
public sealed record Calibration(double Temperature, double[] Biases)
{
    /// <summary>No change.</summary>
    public static Calibration Identity(int classes) => new(1, new double[classes]);

    /// <summary>Calibrated probabilities of one row of logits (or log-probabilities).</summary>
    public double[] Probabilities(double[] logits)
    {
        var z = new double[logits.Length];
        for (int k = 0; k < z.Length; k++) z[k] = logits[k] / Temperature + Biases[k];
        return LabelShift.Softmax(z);
    }

    /// <summary>Calibrated probabilities of every row.</summary>
    public double[][] Probabilities(double[][] logits) => logits.Select(Probabilities).ToArray();

    /// <summary>Mean negative log-likelihood of <paramref name="labels"/> under the calibrated probabilities.</summary>
    public double NegativeLogLikelihood(double[][] logits, int[] labels) =>
        logits.Select((row, i) => -Math.Log(Math.Max(Probabilities(row)[labels[i]], 1e-300))).Average();

    /// <summary>Fits BCTS (temperature and biases) on held-out logits and labels.</summary>
    public static Calibration FitBiasCorrected(double[][] logits, int[] labels) => Fit(logits, labels, withBiases: true);

    /// <summary>Fits plain temperature scaling (biases zero).</summary>
    public static Calibration FitTemperature(double[][] logits, int[] labels) => Fit(logits, labels, withBiases: false);

    /// <summary>
    /// Gradient descent with backtracking on the mean NLL in (a = 1/T, b): the NLL of softmax(a z + b) is convex in
    /// (a, b), so this converges to the global optimum. A tiny ridge on b fixes the shift that softmax ignores.
    /// </summary>
    private static Calibration Fit(double[][] logits, int[] labels, bool withBiases)
    {
        if (logits.Length == 0) throw new ArgumentException("calibration needs at least one held-out example");
        int k = logits[0].Length, n = logits.Length;
        const double ridge = 1e-4;
        // Work on centred log-probabilities: invariant for softmax, better conditioned.
        double[][] z = logits.Select(r => { double m = r.Where(double.IsFinite).DefaultIfEmpty(0).Average(); return r.Select(v => double.IsFinite(v) ? v - m : -1e4).ToArray(); }).ToArray();
        double Loss(double a, double[] b, double[]? gradB, out double gradA)
        {
            double loss = 0; gradA = 0;
            if (gradB is not null) Array.Clear(gradB);
            var s = new double[k];
            for (int i = 0; i < n; i++)
            {
                for (int c = 0; c < k; c++) s[c] = a * z[i][c] + b[c];
                double max = s.Max(), sum = 0;
                for (int c = 0; c < k; c++) sum += Math.Exp(s[c] - max);
                double logSum = max + Math.Log(sum);
                loss += logSum - s[labels[i]];
                for (int c = 0; c < k; c++)
                {
                    double g = Math.Exp(s[c] - logSum) - (c == labels[i] ? 1 : 0);
                    gradA += g * z[i][c];
                    if (gradB is not null) gradB[c] += g;
                }
            }
            loss /= n; gradA /= n;
            for (int c = 0; c < k; c++) { loss += ridge * b[c] * b[c]; if (gradB is not null) gradB[c] = gradB[c] / n + 2 * ridge * b[c]; }
            return loss;
        }
        double aCur = 1;
        var bCur = new double[k];
        var gB = new double[k];
        double step = 1;
        double current = Loss(aCur, bCur, gB, out double gA);
        for (int iteration = 0; iteration < 5000; iteration++)
        {
            if (!withBiases) Array.Clear(gB);
            double norm2 = gA * gA + gB.Sum(g => g * g);
            if (norm2 < 1e-14) break;
            step = Math.Min(step * 2, 100);
            while (true)
            {
                double aNew = Math.Max(1e-3, aCur - step * gA);
                double[] bNew = bCur.Select((v, c) => v - step * gB[c]).ToArray();
                double candidate = Loss(aNew, bNew, null, out _);
                if (candidate <= current - 0.25 * step * norm2 || step < 1e-12)
                {
                    aCur = aNew; bCur = bNew;
                    break;
                }
                step /= 2;
            }
            double previous = current;
            current = Loss(aCur, bCur, gB, out gA);
            if (previous - current < 1e-12 && step < 1e-10) break;
        }
        return new Calibration(1 / aCur, bCur);
    }
}

/// <summary>An estimate of the target domain's class priors.</summary>
/// <param name="Method">bbse-hard, bbse-soft or em-bcts.</param>
/// <param name="Priors">Estimated target priors p_T(y).</param>
/// <param name="Weights">w_y = p_T(y) / p_S(y) relative to the model's training priors: the Bayes re-weighting factors.</param>
/// <param name="Iterations">EM iterations, 0 for the closed-form BBSE.</param>
public sealed record PriorEstimate(string Method, double[] Priors, double[] Weights, int Iterations);

/// <summary>
/// Label shift (p(y) moves, p(x|y) stays): estimation of the target priors from unlabelled target predictions, and the
/// Bayes-rule correction p_T(y|x) ∝ p_S(y|x) · p_T(y) / p_S(y).
/// BBSE: Lipton, Wang and Smola (2018); EM: Saerens, Latinne and Decaestecker (2002); BCTS: Alexandari, Kundaje and
/// Shrikumar (2020).
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
        foreach (int y in labels) { counts[y]++; n++; }
        return counts.Select(c => n == 0 ? 1.0 / classes : c / n).ToArray();
    }

    /// <summary>L1 distance between two distributions.</summary>
    public static double L1(double[] p, double[] q) => p.Zip(q, (a, b) => Math.Abs(a - b)).Sum();

    /// <summary>
    /// Black-box shift estimation. The confusion matrix C[i, j] = P_val(ŷ = i, y = j) (hard: predicted labels; soft:
    /// predicted probabilities, both on the same calibration as the target's) and the target's mean prediction μ give μ = C w, solved for w = p_T(y) / p_val(y)
    /// (pseudo-inverse; negative weights clipped to zero).
    /// </summary>
    public static PriorEstimate Bbse(CalibrationSet validation, double[][] targetLogProbabilities, bool soft, Calibration? calibration = null)
    {
        int k = validation.Classes;
        calibration ??= Calibration.Identity(k);
        double[][] valProbs = calibration.Probabilities(validation.LogProbabilities);
        double[][] targetRows = calibration.Probabilities(targetLogProbabilities);
        var confusion = Matrix<double>.Build.Dense(k, k);
        for (int i = 0; i < valProbs.Length; i++)
        {
            if (soft) for (int c = 0; c < k; c++) confusion[c, validation.Labels[i]] += valProbs[i][c];
            else confusion[ArgMax(valProbs[i]), validation.Labels[i]] += 1;
        }
        confusion = confusion / valProbs.Length;
        var mu = Vector<double>.Build.Dense(k);
        foreach (double[] row in targetRows)
        {
            if (soft) for (int c = 0; c < k; c++) mu[c] += row[c];
            else mu[ArgMax(row)] += 1;
        }
        mu = mu / targetRows.Length;
        Vector<double> w = confusion.PseudoInverse() * mu;
        double[] valPriors = validation.ValidationPriors();
        double[] priors = Normalize(w.Select((v, c) => Math.Max(0, v) * valPriors[c]).ToArray());
        return new PriorEstimate(soft ? "bbse-soft" : "bbse-hard", priors, WeightsFor(priors, validation.SourcePriors), 0);
    }

    /// <summary>
    /// EM (Saerens et al.): alternately re-weight the calibrated source posteriors by the current prior ratio and set
    /// the priors to the mean re-weighted posterior, until the priors move less than <paramref name="tolerance"/> (L1).
    /// </summary>
    public static PriorEstimate ExpectationMaximization(double[][] calibratedTarget, double[] sourcePriors, double tolerance = 1e-8, int maxIterations = 10_000)
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
                for (int c = 0; c < k; c++) { row[c] = sourcePriors[c] > 0 ? p[c] * priors[c] / sourcePriors[c] : 0; sum += row[c]; }
                if (sum <= 0) continue;
                for (int c = 0; c < k; c++) next[c] += row[c] / sum;
            }
            double total = next.Sum();
            double change = 0;
            for (int c = 0; c < k; c++) { double v = next[c] / total; change += Math.Abs(v - priors[c]); priors[c] = v; }
            if (change < tolerance) { iteration++; break; }
        }
        return new PriorEstimate("em-bcts", priors, WeightsFor(priors, sourcePriors), iteration);
    }

    /// <summary>EM on BCTS-calibrated probabilities: BCTS is fitted on <paramref name="validation"/>.</summary>
    public static (PriorEstimate estimate, Calibration calibration) EmWithBcts(CalibrationSet validation, double[][] targetLogProbabilities)
    {
        var calibration = Calibration.FitBiasCorrected(validation.LogProbabilities, validation.Labels);
        return (ExpectationMaximization(calibration.Probabilities(targetLogProbabilities), validation.SourcePriors), calibration);
    }

    /// <summary>Bootstrap percentile interval of the EM priors: resample the target rows <paramref name="resamples"/> times.</summary>
    public static (double[] low, double[] high) BootstrapInterval(double[][] calibratedTarget, double[] sourcePriors, int resamples = 200, double level = 0.95, int seed = 0)
    {
        int k = sourcePriors.Length, n = calibratedTarget.Length;
        var random = new Random(seed);
        var draws = new double[resamples][];
        var sample = new double[n][];
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < n; i++) sample[i] = calibratedTarget[random.Next(n)];
            draws[r] = ExpectationMaximization(sample, sourcePriors, 1e-6, 1000).Priors;
        }
        double lowQ = (1 - level) / 2, highQ = 1 - lowQ;
        double[] low = new double[k], high = new double[k];
        for (int c = 0; c < k; c++)
        {
            double[] values = draws.Select(d => d[c]).OrderBy(v => v).ToArray();
            low[c] = values[(int)Math.Floor(lowQ * (resamples - 1))];
            high[c] = values[(int)Math.Ceiling(highQ * (resamples - 1))];
        }
        return (low, high);
    }

    /// <summary>Bayes-rule correction of one row: p_T(y|x) ∝ p_S(y|x) · w_y.</summary>
    public static double[] Adjust(double[] probabilities, double[] weights) => Normalize(probabilities.Select((p, c) => p * weights[c]).ToArray());

    /// <summary>Corrects every row.</summary>
    public static double[][] Adjust(double[][] probabilities, double[] weights) => probabilities.Select(p => Adjust(p, weights)).ToArray();

    /// <summary>w_y = p_T(y) / p_S(y) (zero where the source never saw the class).</summary>
    public static double[] WeightsFor(double[] targetPriors, double[] sourcePriors) =>
        targetPriors.Select((p, c) => sourcePriors[c] > 0 ? p / sourcePriors[c] : 0).ToArray();

    /// <summary>Index of the largest value.</summary>
    public static int ArgMax(double[] row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }

    /// <summary>Scales to sum 1 (uniform when everything is zero).</summary>
    public static double[] Normalize(double[] values)
    {
        double sum = values.Sum();
        return sum > 0 ? values.Select(v => v / sum).ToArray() : values.Select(_ => 1.0 / values.Length).ToArray();
    }
}

/// <summary>A label-shift correction ready to apply: calibrate, then re-weight by the estimated prior ratio.</summary>
/// <param name="Calibration">BCTS fitted on the model's validation split.</param>
/// <param name="Estimate">The estimated target priors and weights.</param>
public sealed record PriorAdjustment(Calibration Calibration, PriorEstimate Estimate)
{
    /// <summary>Corrected probabilities of one row of log-probabilities.</summary>
    public double[] Apply(double[] logProbabilities) => LabelShift.Adjust(Calibration.Probabilities(logProbabilities), Estimate.Weights);

    /// <summary>Estimates the target priors from the model's log-probabilities on unlabelled target images (EM + BCTS).</summary>
    public static PriorAdjustment FromTarget(CalibrationSet validation, double[][] targetLogProbabilities)
    {
        var (estimate, calibration) = LabelShift.EmWithBcts(validation, targetLogProbabilities);
        return new PriorAdjustment(calibration, estimate);
    }
}
