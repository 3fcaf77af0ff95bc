using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Analysis;

/// <summary>
/// How well frozen features predict the labels, without training anything: LogME (You, Liu, Wang and Long, "LogME:
/// Practical Assessment of Pre-trained Models for Transfer Learning", ICML 2021). For each class (one-vs-rest targets),
/// the evidence p(y | F) of a linear model with a Gaussian prior (precision alpha) and noise (precision beta) is
/// maximised over alpha and beta by MacKay's fixed-point updates on the SVD of F; LogME is its mean log per sample,
/// averaged over classes. Computed on every layer group's pooled output so that an intermediate layer can be chosen
/// when it transfers better than the last.
/// </summary>
public static class Transferability
{
    /// <summary>LogME of <paramref name="features"/> [N, D] for integer <paramref name="labels"/> in [0,
    /// classes).</summary>
    public static double LogMe(double[][] features, int[] labels, int classes)
    {
        int n = features.Length;
        if (n < 2)
            throw new ArgumentException("LogME needs at least two labelled rows.");
        int d = features[0].Length;
        int rank = Math.Min(n, d);
        // The thin SVD by libtorch's LAPACK (MathNet's managed SVD took 0.8 s for 500 x 512 features).
        double[] sigma,
            uRows; // squared singular values; U [n x rank], row-major, orthonormal columns
        using (var scope = NewDisposeScope())
        {
            var flat = new double[(long)n * d];
            for (int i = 0; i < n; i++)
                features[i].CopyTo(flat, (long)i * d);
            var (u, s, _) = linalg.svd(tensor(flat, new long[] { n, d }, ScalarType.Float64), fullMatrices: false);
            sigma = s.data<double>().Take(rank).Select(v => v * v).ToArray();
            uRows = u.contiguous().data<double>().ToArray();
        }
        double total = 0;
        for (int k = 0; k < classes; k++)
        {
            // U^T y for the class indicator y: the sums of U's rows of the class's images.
            var uy = new double[rank];
            int count = 0;
            for (int i = 0; i < n; i++)
            {
                if (labels[i] != k)
                    continue;
                count++;
                for (int j = 0; j < rank; j++)
                    uy[j] += uRows[(long)i * rank + j];
            }
            double[] x2 = uy.Select(v => v * v).ToArray();
            double outside = Math.Max(0, count - x2.Sum()); // the part of y no feature direction explains
            double alpha = 1,
                beta = 1,
                res2 = 0,
                m2 = 0;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                double t = alpha / beta;
                double gamma = 0;
                m2 = 0;
                res2 = outside;
                for (int i = 0; i < rank; i++)
                {
                    gamma += sigma[i] / (sigma[i] + t);
                    m2 += sigma[i] * x2[i] / ((t + sigma[i]) * (t + sigma[i]));
                    double shrink = t / (t + sigma[i]);
                    res2 += shrink * shrink * x2[i];
                }
                alpha = gamma / (m2 + 1e-5);
                beta = (n - gamma) / (res2 + 1e-5);
                if (Math.Abs(alpha / beta - t) / t < 1e-3)
                    break;
            }
            double logDet = sigma.Sum(s => Math.Log(alpha + beta * s)) + (d - rank) * Math.Log(alpha);
            double evidence =
                d / 2.0 * Math.Log(alpha)
                + n / 2.0 * Math.Log(beta)
                - 0.5 * logDet
                - beta / 2 * res2
                - alpha / 2 * m2
                - n / 2.0 * Math.Log(2 * Math.PI);
            total += evidence / n;
        }
        return total / classes;
    }

    /// <summary>
    /// LogME of every layer group's pooled output of <paramref name="backbone"/> on a class-balanced sample of
    /// <paramref name="data"/> (at most <paramref name="perClass"/> images per class).
    /// </summary>
    public static IReadOnlyList<GroupTransferability> PerGroup(
        Backbone backbone,
        ImageDataset data,
        IProgress<ProgressUpdate>? progress,
        int perClass = 50,
        int seed = 0
    )
    {
        int[] labels = data.Items.Select(i => i.Label).ToArray();
        int[] rows = StratifiedSplit.TakePerClass(labels, perClass, seed);
        var sources = data.Items.Select(i => i.Source).ToList();
        var groups = backbone.Network.Groups;
        var features = groups.Select(_ => new List<double[]>()).ToArray();
        var kept = new List<int>();
        backbone.Network.eval();
        using var task = progress.Begin("transferability: pooled features of every layer group", rows.Length);
        foreach (
            PixelBatch batch in ImageBatcher.Batches(
                sources,
                rows,
                backbone.InputSize,
                32,
                skipBad: true,
                new List<BadImage>()
            )
        )
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            Tensor?[] outputs = backbone.Network.PooledGroupOutputs(backbone.Normalize(batch.ToTensor()));
            for (int g = 0; g < groups.Count; g++)
            {
                if (outputs[g] is not { } output)
                    continue;
                int width = (int)output.shape[1];
                float[] values = output.cpu().data<float>().ToArray();
                for (int r = 0; r < batch.Positions.Length; r++)
                    features[g].Add(values.AsSpan(r * width, width).ToArray().Select(v => (double)v).ToArray());
            }
            kept.AddRange(batch.Positions);
            task.Advance(batch.Positions.Length);
        }
        int[] keptLabels = kept.Select(k => labels[k]).ToArray();
        var result = new List<GroupTransferability>();
        var measured = new List<double[][]>();
        for (int g = 0; g < groups.Count; g++)
            if (features[g].Count == keptLabels.Length && keptLabels.Length >= 2)
            {
                measured.Add(features[g].ToArray());
                result.Add(
                    new GroupTransferability(
                        groups[g].Name,
                        features[g][0].Length,
                        LogMe(measured[^1], keptLabels, data.ClassNames.Count)
                    )
                );
            }
        // When the last group ranks first, how sure is that ranking against the best intermediate group?
        if (result.Count >= 2 && result[^1].LogMe >= result.Max(r => r.LogMe))
        {
            int runnerUp = Enumerable.Range(0, result.Count - 1).MaxBy(i => result[i].LogMe);
            double noise = DifferenceNoise(
                measured[^1],
                measured[runnerUp],
                keptLabels,
                data.ClassNames.Count,
                seed: seed,
                progress: progress
            );
            result[runnerUp] = result[runnerUp] with { NoiseBelowLast = noise };
        }
        return result;
    }

    /// <summary>
    /// Bootstrap standard error of LogME(<paramref name="a"/>) - LogME(<paramref name="b"/>): the rows resampled with
    /// replacement within each class (every class keeps its count), the same rows for both feature sets.
    /// </summary>
    public static double DifferenceNoise(
        double[][] a,
        double[][] b,
        int[] labels,
        int classes,
        int resamples = 20,
        int seed = 0,
        IProgress<ProgressUpdate>? progress = null
    )
    {
        var random = new Random(seed);
        using var task = progress?.Begin("transferability: the last group's lead, bootstrap", resamples);
        var byClass = Enumerable
            .Range(0, classes)
            .Select(c => Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).ToArray())
            .Where(r => r.Length > 0)
            .ToArray();
        var differences = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            int[] rows = byClass
                .SelectMany(members => members.Select(_ => members[random.Next(members.Length)]))
                .ToArray();
            int[] y = rows.Select(i => labels[i]).ToArray();
            differences[r] =
                LogMe(rows.Select(i => a[i]).ToArray(), y, classes)
                - LogMe(rows.Select(i => b[i]).ToArray(), y, classes);
            task?.Advance(1);
        }
        double mean = differences.Average();
        return Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (resamples - 1));
    }
}
