using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>Keeps a copy of the best epoch's weights in memory (the scored start counts); restores it at the end when
/// asked.</summary>
public sealed class BestCheckpoint : ITrainingCallback, IDisposable
{
    private Dictionary<string, Tensor>? snapshot;

    /// <summary>The epoch of the kept checkpoint (0 = the scored start).</summary>
    public int? Epoch { get; private set; }

    /// <inheritdoc />
    public void OnTrainingStart(TrainingContext context)
    {
        if (context.History.Start is { } start)
            Keep(context.Model, start.Epoch);
    }

    /// <inheritdoc />
    public void OnEpochEnd(TrainingContext context, EpochResult result, bool isBest)
    {
        if (isBest)
            Keep(context.Model, result.Epoch);
    }

    /// <inheritdoc />
    public void OnTrainingEnd(TrainingContext context)
    {
        if (context.Averaged is null && context.RestoreBest && RestoreInto(context.Model))
            context.RestoredEpoch = Epoch;
    }

    /// <summary>Restores the kept weights into <paramref name="model"/>; false when none were kept.</summary>
    public bool RestoreInto(TransferModel model)
    {
        if (snapshot is null)
            return false;
        model.Restore(snapshot);
        return true;
    }

    /// <summary>Releases the copy.</summary>
    public void Dispose() => TransferModel.Release(ref snapshot);

    private void Keep(TransferModel model, int epoch)
    {
        Dispose();
        snapshot = model.Snapshot();
        Epoch = epoch;
    }
}
