using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>Hooks into the fit loop; every member has a no-op default.</summary>
public interface ITrainingCallback
{
    /// <summary>Before the first epoch.</summary>
    void OnTrainingStart(TransferModel model) { }
    /// <summary>After each epoch's validation; <paramref name="isBest"/> when it is the best so far.</summary>
    void OnEpochEnd(TransferModel model, EpochResult result, TrainingHistory history, bool isBest) { }
    /// <summary>Asked after each epoch: a non-null answer stops training, with that reason.</summary>
    string? StopReason(TrainingHistory history) => null;
    /// <summary>After the last epoch.</summary>
    void OnTrainingEnd(TransferModel model, TrainingHistory history) { }
}

/// <summary>Keeps a copy of the best epoch's weights in memory; restores it at the end when asked.</summary>
public sealed class BestCheckpoint : ITrainingCallback, IDisposable
{
    private Dictionary<string, Tensor>? snapshot;

    /// <summary>The epoch of the kept checkpoint.</summary>
    public int? Epoch { get; private set; }

    /// <inheritdoc />
    public void OnEpochEnd(TransferModel model, EpochResult result, TrainingHistory history, bool isBest)
    {
        if (!isBest) return;
        Dispose();
        snapshot = model.Snapshot();
        Epoch = result.Epoch;
    }

    /// <summary>Restores the kept weights into <paramref name="model"/>.</summary>
    public bool RestoreInto(TransferModel model)
    {
        if (snapshot is null) return false;
        model.Restore(snapshot);
        return true;
    }

    /// <summary>Releases the copy.</summary>
    public void Dispose()
    {
        if (snapshot is null) return;
        foreach (var t in snapshot.Values) t.Dispose();
        snapshot = null;
    }
}

/// <summary>
/// Stochastic weight averaging over the last epochs: a running mean of every floating-point weight and BatchNorm statistic,
/// taken at the end of each epoch from <see cref="FirstEpoch"/> on. Integer buffers keep their last value.
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
    public void OnEpochEnd(TransferModel model, EpochResult result, TrainingHistory history, bool isBest)
    {
        if (result.Epoch < FirstEpoch) return;
        Epochs.Add(result.Epoch);
        var current = model.Snapshot();
        if (mean is null) { mean = current; return; }
        using (var _ = no_grad())
        {
            double k = Epochs.Count;
            foreach (var (name, t) in current)
            {
                if (t.is_floating_point()) mean[name].mul_((k - 1) / k).add_(t, alpha: 1 / k);
                else mean[name].copy_(t);
                t.Dispose();
            }
        }
    }

    /// <summary>Loads the average into <paramref name="model"/>; false when no epoch was averaged.</summary>
    public bool LoadInto(TransferModel model)
    {
        if (mean is null) return false;
        model.Restore(mean);
        return true;
    }

    /// <summary>Releases the average.</summary>
    public void Dispose()
    {
        if (mean is null) return;
        foreach (var t in mean.Values) t.Dispose();
        mean = null;
    }
}

/// <summary>Stops when validation has not improved for <c>patience</c> epochs.</summary>
public sealed class EarlyStopping : ITrainingCallback
{
    private readonly int patience;

    /// <summary>Creates the callback.</summary>
    public EarlyStopping(int patience) => this.patience = patience;

    /// <inheritdoc />
    public string? StopReason(TrainingHistory history) =>
        history.EpochsSinceBest >= patience ? $"early stopping: no validation improvement for {patience} epochs" : null;
}

/// <summary>A penalty added to the training loss.</summary>
public interface IRegularizer
{
    /// <summary>The penalty (a scalar tensor with gradient).</summary>
    Tensor Penalty(TransferModel model);
    /// <summary>Whether the optimizer's own weight decay should be off for this group (the penalty replaces it).</summary>
    bool ReplacesWeightDecay(int group);
}

/// <summary>
/// L2-SP (Li et al., 2018): alpha/2 ||w - w_pretrained||^2 on the backbone's weights (a prior centred on the pretrained
/// solution) plus beta/2 ||w||^2 on the head's weights. Replaces plain weight decay on both.
/// </summary>
public sealed class L2SpRegularizer : IRegularizer, IDisposable
{
    private readonly List<(TorchSharp.Modules.Parameter parameter, Tensor start)> anchors = new();
    private readonly double alpha;
    private readonly double beta;

    /// <summary>Anchors the current (pretrained) backbone weights of <paramref name="model"/>.</summary>
    public L2SpRegularizer(TransferModel model, double alpha, double beta)
    {
        this.alpha = alpha;
        this.beta = beta;
        using var scope = NewDisposeScope();
        foreach (var group in model.Groups.Take(model.HeadIndex))
            foreach (var p in group.Decay) anchors.Add((p, p.detach().clone().DetachFromDisposeScope()));
    }

    /// <inheritdoc />
    public Tensor Penalty(TransferModel model)
    {
        using var scope = NewDisposeScope();
        Tensor total = zeros(1);
        foreach (var (parameter, start) in anchors)
            if (parameter.requires_grad) total = total + (parameter - start).pow(2).sum();
        total = total * (alpha / 2);
        foreach (var p in model.Groups[model.HeadIndex].Decay) total = total + p.pow(2).sum() * (beta / 2);
        return total.squeeze().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public bool ReplacesWeightDecay(int group) => true;

    /// <summary>Releases the anchors.</summary>
    public void Dispose()
    {
        foreach (var (_, start) in anchors) start.Dispose();
        anchors.Clear();
    }
}
