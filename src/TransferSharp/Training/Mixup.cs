using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Training;

/// <summary>
/// Mixup (Zhang et al. 2018): each batch is mixed with a shuffled copy of itself, images and targets, with one weight
/// per batch drawn from Beta(alpha, alpha). Only when the whole network runs (no frozen prefix: inputs must exist).
/// </summary>
public sealed class Mixup : ITrainingCallback
{
    private readonly double alpha;
    private double lambda;
    private Tensor? partner;

    /// <summary>Mixup with weights from Beta(<paramref name="alpha"/>, <paramref name="alpha"/>).</summary>
    public Mixup(double alpha) => this.alpha = alpha;

    /// <inheritdoc />
    public void OnBatchStart(TrainingContext context, TrainingBatch batch)
    {
        partner = null;
        if (context.FrozenPrefix == 0)
            lambda = MathNet.Numerics.Distributions.Beta.Sample(context.Random, alpha, alpha);
    }

    /// <inheritdoc />
    public void OnInputs(TrainingContext context, TrainingBatch batch)
    {
        if (context.FrozenPrefix != 0 || batch.Inputs is not { } x)
            return;
        var generator = new Generator((ulong)(context.Settings.Seed * 104729 + context.Step));
        partner = randperm(x.shape[0], generator: generator).to(x.device);
        batch.Inputs = x * lambda + x.index_select(0, partner) * (1 - lambda);
    }

    /// <inheritdoc />
    public void OnLoss(TrainingContext context, TrainingBatch batch)
    {
        if (partner is null || batch.Logits is not { } logits)
            return;
        double smoothing = context.Settings.LabelSmoothing;
        batch.Loss =
            F.cross_entropy(logits, batch.Labels, label_smoothing: smoothing) * lambda
            + F.cross_entropy(logits, batch.Labels.index_select(0, partner), label_smoothing: smoothing) * (1 - lambda);
    }
}
