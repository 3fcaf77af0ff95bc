using static TorchSharp.torch;

namespace TransferSharp.Training;

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
        foreach (var p in group.Decay)
            anchors.Add((p, p.detach().clone().DetachFromDisposeScope()));
    }

    /// <inheritdoc />
    public Tensor Penalty(TransferModel model)
    {
        using var scope = NewDisposeScope();
        Tensor total = zeros(1);
        foreach (var (parameter, start) in anchors)
            if (parameter.requires_grad)
                total = total + (parameter - start).pow(2).sum();
        total = total * (alpha / 2);
        foreach (var p in model.Groups[model.HeadIndex].Decay)
            total = total + p.pow(2).sum() * (beta / 2);
        return total.squeeze().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public bool ReplacesWeightDecay(int group) => true;

    /// <summary>Releases the anchors.</summary>
    public void Dispose()
    {
        foreach (var (_, start) in anchors)
            start.Dispose();
        anchors.Clear();
    }
}
