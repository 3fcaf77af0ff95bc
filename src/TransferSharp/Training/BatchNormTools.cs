using TransferSharp.Backbones;
using TransferSharp.Progress;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>BatchNorm statistics re-estimation (AdaBN) and re-initialisation of a backbone (the from-scratch
/// baseline).</summary>
public static class BatchNormTools
{
    /// <summary>Refuses <paramref name="strategy"/>, which adapts BatchNorm layers, on a backbone without
    /// any.</summary>
    public static void Require(Backbone backbone, string strategy)
    {
        if (!backbone.Network.BatchNorms().Any())
            throw new OptionException(
                "strategy",
                strategy,
                $"{backbone.Config.Name} has no BatchNorm layer to adapt (LayerNorm only, or BatchNorm folded into "
                    + "the convolutions at export); choose another strategy"
            );
    }

    /// <summary>
    /// AdaBN (Li et al., 2016): replaces every BatchNorm layer's running statistics with the cumulative average of the
    /// batch statistics of the training images (no weight changes). Returns the number of layers re-estimated.
    /// </summary>
    public static int ReestimateStatistics(
        TransferModel model,
        ImageStore images,
        Device device,
        IProgress<ProgressUpdate>? progress,
        int batchSize = 64
    )
    {
        var layers = model.Backbone.Network.BatchNorms().Select(b => b.layer).ToList();
        var saved = layers.Select(l => (l.Momentum, l.UpdatesStatistics)).ToList();
        using (var _ = no_grad())
        {
            foreach (var layer in layers)
            {
                layer.RunningMean.zero_();
                layer.RunningVariance.fill_(1);
                layer.UpdatesStatistics = true;
            }
            model.Backbone.Network.train(true);
            int batches = (images.Count + batchSize - 1) / batchSize,
                b = 0;
            using var task = progress.Begin("AdaBN: re-estimating BatchNorm statistics", batches);
            Inference.ForEachBatch(
                images.Count,
                batchSize,
                index =>
                {
                    b++;
                    foreach (var layer in layers)
                        layer.Momentum = 1.0 / b; // cumulative average of batch statistics
                    model.Backbone.Network.forward(images.Batch(model.Backbone, index, device));
                    task.Advance(1);
                }
            );
        }
        for (int i = 0; i < layers.Count; i++)
            (layers[i].Momentum, layers[i].UpdatesStatistics) = saved[i];
        model.Backbone.Network.eval();
        return layers.Count;
    }

    /// <summary>Random re-initialisation of the backbone (Kaiming-normal convolutions, unit BatchNorm and LayerNorm):
    /// the from-scratch baseline.</summary>
    public static void Reinitialize(Backbone backbone, int seed)
    {
        manual_seed(seed);
        using var _ = no_grad();
        var normalizations = backbone.Network.Normalizations().ToList();
        var learned = backbone.Network.LearnedConstants().ToList();
        foreach (var (name, parameter) in backbone.Network.named_parameters())
        {
            var constant = learned.FirstOrDefault(c => name.StartsWith(c.node + ".", StringComparison.Ordinal));
            if (constant.node is not null)
            {
                // A learned scale starts at 1, a learned shift (a bias) at 0: the identity.
                if (constant.opType == "Mul")
                    parameter.fill_(1);
                else
                    parameter.zero_();
            }
            else if (normalizations.Any(n => name.StartsWith(n + ".", StringComparison.Ordinal)))
            {
                if (name.EndsWith(".weight", StringComparison.Ordinal))
                    parameter.fill_(1);
                else
                    parameter.zero_();
            }
            else if (parameter.dim() > 1)
                nn.init.kaiming_normal_(
                    parameter,
                    mode: nn.init.FanInOut.FanOut,
                    nonlinearity: nn.init.NonlinearityType.ReLU
                );
            else
                parameter.zero_();
        }
        foreach (var (_, layer) in backbone.Network.BatchNorms())
        {
            layer.RunningMean.zero_();
            layer.RunningVariance.fill_(1);
        }
    }
}
