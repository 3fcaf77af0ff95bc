using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Training;

/// <summary>The one batched-inference loop and the one test-time-augmentation rule every prediction path
/// uses.</summary>
public static class Inference
{
    /// <summary>
    /// Runs <paramref name="body"/> on the row indices of each batch of <paramref name="count"/> rows, each in its own
    /// dispose scope (tensors the body keeps must leave it). No autograd.
    /// </summary>
    public static void ForEachBatch(int count, int batchSize, Action<Tensor> body) =>
        ForEachBatch(
            count,
            batchSize,
            index =>
            {
                body(index);
                return true;
            }
        );

    /// <summary>As <see cref="ForEachBatch(int, int, Action{Tensor})"/>, stopping after a batch whose body returns
    /// false.</summary>
    public static void ForEachBatch(int count, int batchSize, Func<Tensor, bool> body)
    {
        using var _ = no_grad();
        for (int start = 0; start < count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            if (!body(arange(start, Math.Min(start + batchSize, count), dtype: ScalarType.Int64)))
                return;
        }
    }

    /// <summary>The batches' outputs of <paramref name="body"/>, concatenated along the first dimension (on the
    /// CPU).</summary>
    public static Tensor Concat(int count, int batchSize, Func<Tensor, Tensor> body)
    {
        var parts = new List<Tensor>();
        try
        {
            ForEachBatch(count, batchSize, index => parts.Add(body(index).cpu().DetachFromDisposeScope()));
            return parts.Count == 0 ? empty(0) : cat(parts.ToArray(), 0);
        }
        finally
        {
            foreach (var p in parts)
                p.Dispose();
        }
    }

    /// <summary>
    /// Test-time augmentation: the logits of the images as they are, averaged with those of their mirror images when
    /// <paramref name="mirrorToo"/>. <paramref name="logits"/> takes whether to mirror.
    /// </summary>
    public static Tensor Logits(Func<bool, Tensor> logits, bool mirrorToo) =>
        mirrorToo ? (logits(false) + logits(true)) / 2 : logits(false);

    /// <summary>Row-wise log-softmax in double precision, as arrays.</summary>
    public static double[][] LogSoftmaxRows(Tensor logits)
    {
        int k = (int)logits.shape[1];
        double[] flat = F.log_softmax(logits.to(ScalarType.Float64), 1).cpu().data<double>().ToArray();
        return Enumerable.Range(0, (int)logits.shape[0]).Select(r => flat.AsSpan(r * k, k).ToArray()).ToArray();
    }

    /// <summary>Log of the weighted mean of several models' probabilities, row by row (an ensemble's output): each of
    /// <paramref name="logProbabilities"/> is one model's log-probabilities on the same rows.</summary>
    internal static double[][] MixProbabilities(
        IReadOnlyList<double[][]> logProbabilities,
        IReadOnlyList<double> weights
    )
    {
        int rows = logProbabilities[0].Length;
        var mixed = new double[rows][];
        for (int r = 0; r < rows; r++)
        {
            mixed[r] = new double[logProbabilities[0][r].Length];
            for (int m = 0; m < logProbabilities.Count; m++)
            for (int c = 0; c < mixed[r].Length; c++)
                mixed[r][c] += weights[m] * Math.Exp(logProbabilities[m][r][c]);
            for (int c = 0; c < mixed[r].Length; c++)
                mixed[r][c] = Math.Log(Math.Max(mixed[r][c], double.Epsilon));
        }
        return mixed;
    }
}
