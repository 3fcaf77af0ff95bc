using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>
/// The learning-rate range test (Smith 2017; fastai's lr_find) as a callback on the fit loop, so that the sweep trains
/// exactly as a fit would (freezing, adapters, device): the rate grows exponentially from step to step while the
/// smoothed loss is recorded; it stops when the loss diverges, and the weights are restored afterwards.
/// </summary>
public sealed class LearningRateFinder : ITrainingCallback, IDisposable
{
    private readonly double start;
    private readonly double end;
    private readonly int steps;
    private readonly List<double> rates = new();
    private readonly List<double> losses = new();
    private Dictionary<string, Tensor>? snapshot;
    private double smoothed;
    private double best = double.MaxValue;

    /// <summary>A sweep of the head's rate from <paramref name="start"/> to <paramref name="end"/> in <paramref
    /// name="steps"/> steps.</summary>
    public LearningRateFinder(double start = 1e-7, double end = 10, int steps = 100)
    {
        this.start = start;
        this.end = end;
        this.steps = steps;
    }

    /// <summary>
    /// Sweeps the rate of <paramref name="model"/> on <paramref name="train"/> under <paramref name="plan"/> (other
    /// groups keep their ratios to the head) and suggests one.
    /// </summary>
    public static LearningRateSweep Run(
        TransferModel model,
        ImageStore train,
        IStrategyPlan plan,
        TrainingSettings settings,
        Device device,
        IReadOnlyList<ITrainingCallback> callbacks,
        IProgress<Progress.ProgressUpdate>? progress,
        int steps = 100,
        CancellationToken cancellation = default,
        double start = 1e-7,
        double end = 10
    )
    {
        using var finder = new LearningRateFinder(start, end, steps);
        int stepsPerEpoch = Math.Max(1, (train.Count + settings.BatchSize - 1) / settings.BatchSize);
        var sweep = settings with
        {
            Epochs = Math.Min(Limits.MaximumEpochs, (steps + stepsPerEpoch - 1) / stepsPerEpoch),
            RestoreBest = false,
            ScoreStart = false,
            AverageLastEpochs = null,
            Patience = null,
        };
        new Trainer(model, sweep, device, progress, cancellation).Fit(
            plan,
            train,
            null,
            callbacks.Append(finder).ToList()
        );
        return finder.Result();
    }

    /// <inheritdoc />
    public void OnTrainingStart(TrainingContext context) => snapshot = context.Model.Snapshot();

    /// <inheritdoc />
    public void OnBatchStart(TrainingContext context, TrainingBatch batch)
    {
        double rate = start * Math.Pow(end / start, (double)rates.Count / (steps - 1));
        batch.RateMultiplier = rate / context.Settings.LearningRate;
        rates.Add(rate);
    }

    /// <inheritdoc />
    public void OnBatchEnd(TrainingContext context, TrainingBatch batch)
    {
        smoothed = 0.98 * smoothed + 0.02 * batch.LossValue;
        double debiased = smoothed / (1 - Math.Pow(0.98, losses.Count + 1));
        losses.Add(debiased);
        best = Math.Min(best, debiased);
        if (losses.Count >= steps)
            context.Stop("learning-rate sweep complete");
        else if (!double.IsFinite(debiased) || (losses.Count > 11 && debiased > 4 * best))
            context.Stop("learning-rate sweep: the loss diverged");
    }

    /// <inheritdoc />
    public void OnTrainingEnd(TrainingContext context)
    {
        if (snapshot is not null)
            context.Model.Restore(snapshot);
        Dispose();
    }

    /// <summary>The recorded sweep and its suggestions.</summary>
    public LearningRateSweep Result()
    {
        if (losses.Count == 0)
            throw new InvalidOperationException("the learning-rate sweep recorded no step");
        double[] rate = rates.Take(losses.Count).ToArray();
        int minimum = losses.IndexOf(losses.Where(double.IsFinite).DefaultIfEmpty(losses[0]).Min());
        int steepest = 1;
        double slope = double.MaxValue;
        for (int i = 1; i < minimum; i++)
        {
            double s = (losses[i] - losses[i - 1]) / (Math.Log(rate[i]) - Math.Log(rate[i - 1]));
            if (s < slope)
            {
                slope = s;
                steepest = i;
            }
        }
        return new LearningRateSweep(
            rate,
            losses.ToArray(),
            rate[Math.Min(steepest, rate.Length - 1)],
            rate[minimum] / 10
        );
    }

    /// <summary>Releases the weights' copy.</summary>
    public void Dispose() => TransferModel.Release(ref snapshot);
}
