using TransferSharp.Progress;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>
/// Stochastic weight averaging over the last epochs: a running mean of every floating-point weight and BatchNorm
/// statistic from <see cref="FirstEpoch"/> on. At the end the average replaces best-epoch restore when at least two
/// epochs were averaged; its validation score is measured, not assumed.
/// </summary>
public sealed class WeightAveraging : ITrainingCallback, IDisposable
{
    private Dictionary<string, Tensor>? mean;

    /// <summary>Averages from epoch <paramref name="firstEpoch"/> (1-based) on.</summary>
    public WeightAveraging(int firstEpoch) => FirstEpoch = firstEpoch;

    /// <summary>The first averaged epoch (1-based).</summary>
    public int FirstEpoch { get; }

    /// <summary>The epochs averaged so far.</summary>
    public List<int> Epochs { get; } = new();

    /// <inheritdoc />
    public void OnEpochEnd(TrainingContext context, EpochResult result, bool isBest)
    {
        if (result.Epoch < FirstEpoch)
            return;
        Epochs.Add(result.Epoch);
        var current = context.Model.Snapshot();
        if (mean is null)
        {
            mean = current;
            return;
        }
        using var _ = no_grad();
        double k = Epochs.Count;
        foreach (var (name, t) in current)
        {
            if (t.is_floating_point())
                mean[name].mul_((k - 1) / k).add_(t, alpha: 1 / k);
            else
                mean[name].copy_(t);
            t.Dispose();
        }
    }

    /// <inheritdoc />
    public void OnTrainingEnd(TrainingContext context)
    {
        if (context.Failure is not null || Epochs.Count < 2 || context.Validation is null || !LoadInto(context.Model))
            return;
        var (loss, accuracy) = context.Evaluate(context.Validation);
        context.Averaged = new AveragedWeights(Epochs.ToList(), loss, accuracy);
        context.RestoredEpoch = null;
        context.Progress.Info(
            $"weight averaging of epochs {Epochs[0]}-{Epochs[^1]}: val loss {loss:F4} acc {accuracy:P1}"
        );
    }

    /// <summary>Loads the average into <paramref name="model"/>; false when no epoch was averaged.</summary>
    public bool LoadInto(TransferModel model)
    {
        if (mean is null)
            return false;
        model.Restore(mean);
        return true;
    }

    /// <summary>Releases the average.</summary>
    public void Dispose() => TransferModel.Release(ref mean);

    /// <summary>Writes the running mean and the epochs in it into a checkpoint.</summary>
    internal void WriteState(BinaryWriter writer)
    {
        writer.Write(Epochs.Count);
        foreach (int epoch in Epochs)
            writer.Write(epoch);
        TensorDictionary.Write(writer, mean);
    }

    /// <summary>Takes the running mean and its epochs from a checkpoint.</summary>
    internal void ReadState(BinaryReader reader)
    {
        Dispose();
        Epochs.Clear();
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
            Epochs.Add(reader.ReadInt32());
        mean = TensorDictionary.Read(reader);
    }
}
