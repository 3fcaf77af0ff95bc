using TransferSharp.Progress;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>The state of one fit that callbacks read and steer: the model, the settings, the history, where the loop
/// is.</summary>
public sealed class TrainingContext
{
    private readonly Func<ImageStore, (double loss, double accuracy)> evaluate;

    internal TrainingContext(
        TransferModel model,
        TrainingSettings settings,
        Device device,
        IProgress<ProgressUpdate>? progress,
        Func<ImageStore, (double loss, double accuracy)> evaluate,
        ImageStore? validation,
        int stepsPerEpoch
    )
    {
        Model = model;
        Settings = settings;
        Device = device;
        Progress = progress;
        this.evaluate = evaluate;
        Validation = validation;
        StepsPerEpoch = stepsPerEpoch;
        Random = new Random(settings.Seed);
        RestoreBest = settings.RestoreBest;
    }

    /// <summary>The model being trained.</summary>
    public TransferModel Model { get; }

    /// <summary>The loop's settings.</summary>
    public TrainingSettings Settings { get; }

    /// <summary>The device.</summary>
    public Device Device { get; }

    /// <summary>Where progress goes.</summary>
    public IProgress<ProgressUpdate>? Progress { get; }

    /// <summary>The validation split (null when the fit has none, as in a learning-rate sweep).</summary>
    public ImageStore? Validation { get; }

    /// <summary>The completed epochs.</summary>
    public TrainingHistory History { get; } = new();

    /// <summary>The loop's random source (augmentation, mixup weights), seeded with the settings' seed.</summary>
    public Random Random { get; }

    /// <summary>Steps in one epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>0-based epoch.</summary>
    public int Epoch { get; internal set; }

    /// <summary>0-based step over the whole fit.</summary>
    public long Step { get; internal set; }

    /// <summary>This epoch's plan; a callback may change it in <see cref="ITrainingCallback.OnEpochStart"/>.</summary>
    public EpochPlan Plan { get; set; } = new(Array.Empty<GroupMode>(), "");

    /// <summary>Leading groups of this epoch that run without autograd (0 = none).</summary>
    public int FrozenPrefix { get; internal set; }

    /// <summary>Set when training must stop; the loop ends after the current step.</summary>
    public string? StopRequest { get; private set; }

    /// <summary>A non-finite loss that stopped training, or null.</summary>
    public NonFiniteLossException? Failure { get; private set; }

    /// <summary>Whether the best checkpoint is restored at the end.</summary>
    public bool RestoreBest { get; set; }

    /// <summary>The epoch whose weights the model holds at the end (set by the callbacks that choose them).</summary>
    public int? RestoredEpoch { get; set; }

    /// <summary>Weight averaging's outcome, when the average was kept.</summary>
    public AveragedWeights? Averaged { get; set; }

    /// <summary>Stops training after the current step with <paramref name="reason"/>.</summary>
    public void Stop(string reason, bool restoreBest = false)
    {
        StopRequest ??= reason;
        RestoreBest |= restoreBest;
    }

    /// <summary>What multiplies every learning rate: 1, or less after retries of epochs whose loss became
    /// NaN.</summary>
    public double RateScale { get; internal set; } = 1;

    /// <summary>Within an epoch resumed from a checkpoint written inside it: how far it had got; else null.</summary>
    internal EpochProgress? Partial { get; set; }

    /// <summary>Forgets a non-finite loss (its epoch is retried from the state before it).</summary>
    internal void ClearFailure() => Failure = null;

    /// <summary>Takes a checkpoint's stop request and restore-best flag.</summary>
    internal void RestoreStop(string? reason, bool restoreBest)
    {
        StopRequest = reason;
        RestoreBest = restoreBest;
    }

    /// <summary>Stops training on a non-finite loss, keeping the best checkpoint.</summary>
    public void Fail(NonFiniteLossException failure)
    {
        Failure = failure;
        Stop(failure.Message + "; keeping the best checkpoint so far", restoreBest: true);
    }

    /// <summary>Mean loss and accuracy of the model on <paramref name="store"/> (eval mode, no autograd).</summary>
    public (double loss, double accuracy) Evaluate(ImageStore store) => evaluate(store);
}
