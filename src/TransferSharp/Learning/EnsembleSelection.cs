using TransferSharp.Training;

namespace TransferSharp.Learning;

/// <summary>
/// Weights of a preset's ensemble: greedy selection with replacement (Caruana et al. 2004, as AutoGluon's weighted
/// ensemble fits them) on held-out log-loss, starting from the best single candidate, and the guard that keeps a
/// single model when the mix is not better beyond noise.
/// </summary>
internal static class EnsembleSelection
{
    /// <summary>Most greedy steps (the weights are multiples of 1 / steps).</summary>
    public const int Steps = 25;

    /// <summary>
    /// Fewest held-out images the weights are fitted on; on fewer, every candidate weighs the same, and the average
    /// stands unless the single model is better beyond noise. Fitted weights follow the noise of a small held-out
    /// set: on Fashion-MNIST 100/class (100 shared validation images, six candidates of the best preset) greedy
    /// weights tested 0.8742, the plain average 0.8809 (bench/README.md).
    /// </summary>
    public const int FittedFrom = 500;

    public const string Rule =
        "on 500 held-out images or more, greedy selection with replacement on held-out log-loss, from the best single "
        + "candidate, at most 25 steps (weights: how often each was picked), kept when its log-loss is lower than the "
        + "single model's by more than one standard error of the paired per-image difference; on fewer, the plain "
        + "average of every candidate (fitted weights follow the noise), kept unless the single model's log-loss is "
        + "lower by more than one standard error (on so few images the single's score is noisy, and a network "
        + "candidate's is its best epoch's on them, biased low). Log-loss, not accuracy: a network candidate's "
        + "held-out accuracy is biased upwards the same way, and on a hundred images accuracy moves in steps of a "
        + "point";

    /// <summary>Fits the weights of <paramref name="members"/> (log-probabilities on the same rows) from <paramref
    /// name="start"/>; returns the record and the ensemble's log-probabilities.</summary>
    public static (EnsembleReport report, double[] weights, double[][] mixed) Fit(
        IReadOnlyList<string> names,
        IReadOnlyList<double[][]> members,
        int[] labels,
        int start
    )
    {
        int n = labels.Length,
            k = members.Count;
        var probabilities = members.Select(m => m.Select(r => r.Select(Math.Exp).ToArray()).ToArray()).ToList();
        int classes = probabilities[0][0].Length;
        var sum = probabilities[start].Select(r => r.ToArray()).ToArray();
        var counts = new int[k];
        counts[start] = 1;
        double loss = Loss(sum, 1, labels);
        void Add(int m)
        {
            for (int r = 0; r < n; r++)
            for (int c = 0; c < classes; c++)
                sum[r][c] += probabilities[m][r][c];
            counts[m]++;
        }
        bool averaged = n < FittedFrom;
        if (averaged)
            foreach (int m in Enumerable.Range(0, k).Where(m => m != start))
                Add(m);
        for (int step = 1; step < Steps && !averaged; step++)
        {
            int pick = -1;
            double pickLoss = loss;
            for (int m = 0; m < k; m++)
            {
                double candidate = Loss(sum, step + 1, labels, probabilities[m]);
                if (candidate < pickLoss - 1e-12)
                    (pick, pickLoss) = (m, candidate);
            }
            if (pick < 0)
                break;
            Add(pick);
            loss = pickLoss;
        }
        int total = counts.Sum();
        double[] weights = counts.Select(c => c / (double)total).ToArray();
        double[][] mixed = sum.Select(r => r.Select(p => Math.Log(Math.Max(p / total, double.Epsilon))).ToArray())
            .ToArray();
        double[] single = RowLosses(members[start], labels),
            ensemble = RowLosses(mixed, labels);
        double[] gain = single.Zip(ensemble, (a, b) => a - b).ToArray();
        double mean = gain.Average();
        double se = n > 1 ? Math.Sqrt(gain.Sum(g => (g - mean) * (g - mean)) / (n - 1) / n) : double.PositiveInfinity;
        double accuracy = Accuracy(mixed, labels),
            singleAccuracy = Accuracy(members[start], labels);
        int used = counts.Count(c => c > 0);
        // On few held-out images the average stands unless the single model is better beyond noise: the single's
        // score there is noisy, and a network candidate's is its best epoch's on those same images (biased low).
        bool kept = used >= 2 && (averaged ? mean >= -se : mean > se);
        string how = averaged ? $"the plain average ({n} held-out images, fewer than {FittedFrom}): " : "";
        string reason =
            used < 2 ? $"no other candidate lowered {names[start]}'s held-out log-loss"
            : averaged && mean < -se
                ? $"{how}its log-loss is higher than {names[start]}'s by {-mean:F4}, beyond one standard error "
                    + $"({se:F4}) on {n} held-out images"
            : averaged && mean <= se
                ? $"{how}its log-loss is {(mean >= 0 ? "lower" : "higher")} by {Math.Abs(mean):F4}, within one "
                    + $"standard error ({se:F4}) on {n} held-out images: the average stands (on so few images "
                    + $"{names[start]}'s score is noisy, and a network candidate's is its best epoch's on them)"
            : mean <= 0 ? $"its log-loss is not lower than {names[start]}'s ({-mean:F4} higher)"
            : mean <= se
                ? $"its log-loss is lower by {mean:F4}, within one standard error ({se:F4}) on {n} held-out images"
            : $"{how}log-loss {ensemble.Average():F4} against {names[start]}'s {single.Average():F4} (lower by "
                + $"{mean:F4}, standard error {se:F4}), accuracy {accuracy:F4} against {singleAccuracy:F4}, on {n} "
                + "held-out images";
        var report = new EnsembleReport
        {
            Members = names
                .Select(
                    (name, m) =>
                        new EnsembleWeight(
                            name,
                            Math.Round(weights[m], 4),
                            Math.Round(Accuracy(members[m], labels), 4),
                            Math.Round(RowLosses(members[m], labels).Average(), 4)
                        )
                )
                .ToList(),
            ValidationImages = n,
            ValAccuracy = Math.Round(accuracy, 4),
            ValLoss = Math.Round(ensemble.Average(), 4),
            SingleValAccuracy = Math.Round(singleAccuracy, 4),
            SingleValLoss = Math.Round(single.Average(), 4),
            Kept = kept,
            Reason = reason,
            Rule = Rule,
        };
        return (report, weights, mixed);
    }

    // Mean log-loss of (sum + extra) / count.
    private static double Loss(double[][] sum, int count, int[] labels, double[][]? extra = null)
    {
        double total = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            double p = (sum[r][labels[r]] + (extra?[r][labels[r]] ?? 0)) / count;
            total -= Math.Log(Math.Max(p, 1e-15));
        }
        return total / labels.Length;
    }

    private static double[] RowLosses(double[][] logs, int[] labels) =>
        labels.Select((label, r) => -Math.Max(logs[r][label], Math.Log(1e-15))).ToArray();

    private static double Accuracy(double[][] logs, int[] labels) =>
        labels.Where((label, r) => ModelEvaluation.ArgMax(logs[r]) == label).Count() / (double)labels.Length;
}
