using static TorchSharp.torch;

namespace TransferSharp.Analysis;

/// <summary>Two-sample tests on feature vectors.</summary>
public static class TwoSample
{
    /// <summary>
    /// MMD with a Gaussian kernel (bandwidth by the median heuristic) and a permutation test (Gretton et al. 2012).
    /// Samples above <paramref name="maxPerSample"/> rows are subsampled (seeded); all permutations share one kernel
    /// matrix, so the cost is one (n+m)² kernel and one matrix product.
    /// </summary>
    public static MmdResult Mmd(
        IReadOnlyList<float[]> source,
        IReadOnlyList<float[]> target,
        int permutations = 500,
        int seed = 0,
        int maxPerSample = 1500
    )
    {
        if (source.Count < 2 || target.Count < 2)
            throw new ArgumentException(
                $"a two-sample test needs at least 2 rows on each side (got {source.Count} and {target.Count})"
            );
        if (permutations < 1)
            throw new ArgumentOutOfRangeException(nameof(permutations), "at least one permutation");
        var random = new Random(seed);
        float[][] x = Subsample(source, maxPerSample, random),
            y = Subsample(target, maxPerSample, random);
        int n = x.Length,
            m = y.Length,
            total = n + m,
            d = x[0].Length;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor z = tensor(x.Concat(y).SelectMany(r => r).ToArray(), new long[] { total, d }).to(ScalarType.Float64);
        Tensor squared = cdist(z, z).pow(2);
        // Median heuristic on the off-diagonal distances.
        Tensor offDiagonal = squared.masked_select(eye(total, dtype: ScalarType.Bool).logical_not());
        double median = Math.Sqrt(offDiagonal.median().item<double>());
        double bandwidth = median > 0 ? median : 1;
        Tensor kernel = (squared / (-2 * bandwidth * bandwidth)).exp();
        // Column 0: the observed split; columns 1..P: random relabellings. s_i = 1/n for the first sample, -1/m for the
        // second.
        var signs = new double[total * (permutations + 1)];
        int[] order = Enumerable.Range(0, total).ToArray();
        for (int p = 0; p <= permutations; p++)
        {
            if (p > 0)
                random.Shuffle(order);
            for (int i = 0; i < total; i++)
                signs[order[i] * (permutations + 1) + p] = i < n ? 1.0 / n : -1.0 / m;
        }
        Tensor s = tensor(signs, new long[] { total, permutations + 1 });
        // sum(0) would bind to sum(ScalarType).
        double[] statistics = (s * kernel.mm(s)).sum(new long[] { 0 }).data<double>().ToArray();
        double observed = statistics[0];
        int atLeast = statistics.Skip(1).Count(v => v >= observed - 1e-12);
        return new MmdResult(observed, (1.0 + atLeast) / (permutations + 1), bandwidth, permutations, n, m);
    }

    private static float[][] Subsample(IReadOnlyList<float[]> rows, int cap, Random random)
    {
        if (rows.Count <= cap)
            return rows.ToArray();
        int[] pick = Enumerable.Range(0, rows.Count).ToArray();
        random.Shuffle(pick);
        return pick.Take(cap).Select(i => rows[i]).ToArray();
    }
}
