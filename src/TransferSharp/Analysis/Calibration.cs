namespace TransferSharp.Analysis;

/// <summary>
/// Probability calibration by bias-corrected temperature scaling (BCTS, Alexandari et al. 2020): calibrated p(y|x) =
/// softmax(z / T + b), with the temperature T and one bias per class fitted by minimising the negative log-likelihood
/// on held-out data. With T = 1 and b = 0 it is the identity.
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
        for (int k = 0; k < z.Length; k++)
            z[k] = logits[k] / Temperature + Biases[k];
        return LabelShift.Softmax(z);
    }

    /// <summary>Calibrated probabilities of every row.</summary>
    public double[][] Probabilities(double[][] logits) => logits.Select(Probabilities).ToArray();

    /// <summary>Mean negative log-likelihood of <paramref name="labels"/> under the calibrated probabilities.</summary>
    public double NegativeLogLikelihood(double[][] logits, int[] labels) =>
        logits.Select((row, i) => -Math.Log(Math.Max(Probabilities(row)[labels[i]], 1e-300))).Average();

    /// <summary>Fits BCTS (temperature and biases) on held-out logits and labels.</summary>
    public static Calibration FitBiasCorrected(double[][] logits, int[] labels) =>
        Fit(logits, labels, withBiases: true);

    /// <summary>Fits plain temperature scaling (biases zero).</summary>
    public static Calibration FitTemperature(double[][] logits, int[] labels) => Fit(logits, labels, withBiases: false);

    /// <summary>
    /// Gradient descent with backtracking on the mean NLL in (a = 1/T, b): the NLL of softmax(a z + b) is convex in (a,
    /// b), so this converges to the global optimum. A tiny ridge on b fixes the shift that softmax ignores.
    /// </summary>
    private static Calibration Fit(double[][] logits, int[] labels, bool withBiases)
    {
        if (logits.Length == 0)
            throw new ArgumentException("calibration needs at least one held-out example");
        int k = logits[0].Length,
            n = logits.Length;
        const double ridge = 1e-4;
        // Work on centred log-probabilities: invariant for softmax, better conditioned.
        double[][] z = logits
            .Select(r =>
            {
                double m = r.Where(double.IsFinite).DefaultIfEmpty(0).Average();
                return r.Select(v => double.IsFinite(v) ? v - m : -1e4).ToArray();
            })
            .ToArray();
        double Loss(double a, double[] b, double[]? gradB, out double gradA)
        {
            double loss = 0;
            gradA = 0;
            if (gradB is not null)
                Array.Clear(gradB);
            var s = new double[k];
            for (int i = 0; i < n; i++)
            {
                for (int c = 0; c < k; c++)
                    s[c] = a * z[i][c] + b[c];
                double max = s.Max(),
                    sum = 0;
                for (int c = 0; c < k; c++)
                    sum += Math.Exp(s[c] - max);
                double logSum = max + Math.Log(sum);
                loss += logSum - s[labels[i]];
                for (int c = 0; c < k; c++)
                {
                    double g = Math.Exp(s[c] - logSum) - (c == labels[i] ? 1 : 0);
                    gradA += g * z[i][c];
                    if (gradB is not null)
                        gradB[c] += g;
                }
            }
            loss /= n;
            gradA /= n;
            for (int c = 0; c < k; c++)
            {
                loss += ridge * b[c] * b[c];
                if (gradB is not null)
                    gradB[c] = gradB[c] / n + 2 * ridge * b[c];
            }
            return loss;
        }
        double aCur = 1;
        var bCur = new double[k];
        var gB = new double[k];
        double step = 1;
        double current = Loss(aCur, bCur, gB, out double gA);
        for (int iteration = 0; iteration < 5000; iteration++)
        {
            if (!withBiases)
                Array.Clear(gB);
            double norm2 = gA * gA + gB.Sum(g => g * g);
            if (norm2 < 1e-14)
                break;
            step = Math.Min(step * 2, 100);
            while (true)
            {
                double aNew = Math.Max(1e-3, aCur - step * gA);
                double[] bNew = bCur.Select((v, c) => v - step * gB[c]).ToArray();
                double candidate = Loss(aNew, bNew, null, out _);
                if (candidate <= current - 0.25 * step * norm2 || step < 1e-12)
                {
                    aCur = aNew;
                    bCur = bNew;
                    break;
                }
                step /= 2;
            }
            double previous = current;
            current = Loss(aCur, bCur, gB, out gA);
            if (previous - current < 1e-12 && step < 1e-10)
                break;
        }
        return new Calibration(1 / aCur, bCur);
    }
}
