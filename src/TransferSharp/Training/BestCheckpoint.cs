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

    /// <summary>Writes the kept weights and their epoch into a checkpoint.</summary>
    internal void WriteState(BinaryWriter writer)
    {
        writer.Write(Epoch ?? -1);
        TensorDictionary.Write(writer, snapshot);
    }

    /// <summary>Takes the kept weights and their epoch from a checkpoint.</summary>
    internal void ReadState(BinaryReader reader)
    {
        Dispose();
        int epoch = reader.ReadInt32();
        Epoch = epoch < 0 ? null : epoch;
        snapshot = TensorDictionary.Read(reader);
    }

    private void Keep(TransferModel model, int epoch)
    {
        Dispose();
        snapshot = model.Snapshot();
        Epoch = epoch;
    }
}
