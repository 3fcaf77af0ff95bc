using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Analysis;

/// <summary>
/// Domain distance without the pretraining data: every BatchNorm layer stores the mean and variance of its input over
/// the pretraining images (its running statistics). Run the user's images through the pretrained network (eval mode),
/// measure the same per-channel mean and variance at every BatchNorm input, and compare the two Gaussians per channel.
/// Identical statistics give 0; the further the user's data, the larger d. Deeper layers see the shift after it has
/// been filtered by everything before them, so the per-layer profile shows where the domains part.
/// </summary>
public static class DomainDistance
{
    /// <summary>Why d cannot be measured on <paramref name="backbone"/> (it has no BatchNorm layer), or null when it
    /// can.</summary>
    public static string? Unavailable(Backbone backbone) =>
        backbone.Network.BatchNorms().Any()
            ? null
            : $"d is not available for {backbone.Config.Name}: it has no BatchNorm layer, and d compares the images' "
                + "statistics with BatchNorm's running statistics of the pretraining data (a LayerNorm network such "
                + "as ConvNeXt keeps none; torch.onnx.export folds BatchNorm into the convolutions unless given "
                + "training=torch.onnx.TrainingMode.PRESERVE)";

    /// <summary>Measures d on up to <paramref name="maxImages"/> of <paramref name="sources"/> (a seeded
    /// sample).</summary>
    public static DomainDistanceResult Measure(
        Backbone backbone,
        IReadOnlyList<IImageSource> sources,
        IProgress<ProgressUpdate>? progress,
        int maxImages = 512,
        int seed = 0,
        int batchSize = 32,
        bool skipBad = true,
        Device? device = null
    )
    {
        if (sources.Count == 0)
            throw new ArgumentException("domain distance needs at least one image");
        int[] positions = Enumerable.Range(0, sources.Count).ToArray();
        new Random(seed).Shuffle(positions);
        positions = positions.Take(Math.Min(maxImages, sources.Count)).OrderBy(i => i).ToArray();
        var bad = new List<BadImage>();
        using var task = progress.Begin("domain distance: BatchNorm statistics", positions.Length);
        IEnumerable<Tensor> Batches()
        {
            foreach (
                PixelBatch batch in ImageBatcher.Batches(
                    sources,
                    positions,
                    backbone.InputSize,
                    batchSize,
                    skipBad,
                    bad
                )
            )
            {
                yield return batch.ToTensor();
                task.Advance(batch.Positions.Length);
            }
        }
        return Measure(backbone, Batches(), device);
    }

    /// <summary>Measures d on uint8 pixel batches [N, S, S, C] (each disposed after use).</summary>
    public static DomainDistanceResult Measure(
        Backbone backbone,
        IEnumerable<Tensor> pixelBatches,
        Device? device = null
    )
    {
        if (Unavailable(backbone) is { } reason)
            throw new InvalidOperationException(reason);
        var network = backbone.Network;
        var layers = network.BatchNorms().ToList();
        var groupOf = network
            .Groups.SelectMany(g => g.NodeNames.Select(n => (n, g.Name)))
            .ToDictionary(p => p.n, p => p.Name);
        var sums = new Dictionary<string, (double[] sum, double[] sumSquares, long count)>();
        bool wasTraining = network.training;
        network.eval();
        int images = 0;
        try
        {
            foreach (Tensor pixels in pixelBatches)
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                images += (int)pixels.shape[0];
                Tensor input = backbone.Normalize(pixels, device);
                pixels.Dispose();
                network.Run(
                    input,
                    (node, args, output) =>
                    {
                        if (node.OpType != "BatchNormalization" || args[0] is not { } x)
                            return;
                        Tensor x64 = x.to(ScalarType.Float64);
                        long perChannel = x.numel() / x.shape[1];
                        double[] s = x64.sum(new long[] { 0, 2, 3 }).cpu().data<double>().ToArray();
                        double[] q = x64.pow(2).sum(new long[] { 0, 2, 3 }).cpu().data<double>().ToArray();
                        if (!sums.TryGetValue(node.Name, out var acc))
                            acc = (new double[s.Length], new double[s.Length], 0);
                        for (int c = 0; c < s.Length; c++)
                        {
                            acc.sum[c] += s[c];
                            acc.sumSquares[c] += q[c];
                        }
                        sums[node.Name] = (acc.sum, acc.sumSquares, acc.count + perChannel);
                    }
                );
            }
        }
        finally
        {
            network.train(wasTraining);
        }
        if (images == 0)
            throw new ArgumentException("domain distance: no image could be read");

        var result = new List<LayerDistance>();
        foreach (var (name, layer) in layers)
        {
            if (!sums.TryGetValue(name, out var acc))
                continue;
            double[] runMean = layer.RunningMean.cpu().to(ScalarType.Float64).data<double>().ToArray();
            double[] runVar = layer.RunningVariance.cpu().to(ScalarType.Float64).data<double>().ToArray();
            double kl = 0,
                w2 = 0;
            for (int c = 0; c < runMean.Length; c++)
            {
                double mean = acc.sum[c] / acc.count;
                double variance = Math.Max(acc.sumSquares[c] / acc.count - mean * mean, 0) + layer.Epsilon;
                double reference = Math.Max(runVar[c], 0) + layer.Epsilon;
                double diff2 = (mean - runMean[c]) * (mean - runMean[c]);
                kl += SymmetricKl(mean, variance, runMean[c], reference);
                w2 += (diff2 + Math.Pow(Math.Sqrt(variance) - Math.Sqrt(reference), 2)) / reference;
            }
            result.Add(
                new LayerDistance(
                    name,
                    groupOf.GetValueOrDefault(name, "?"),
                    runMean.Length,
                    kl / runMean.Length,
                    w2 / runMean.Length
                )
            );
        }
        var perGroup = result.GroupBy(l => l.Group).ToDictionary(g => g.Key, g => g.Average(l => l.SymmetricKl));
        return new DomainDistanceResult(
            result.Count == 0 ? 0 : result.Average(l => l.SymmetricKl),
            perGroup,
            result,
            images
        );
    }

    /// <summary>Symmetric KL divergence between N(m1, v1) and N(m2, v2): (KL(p‖q) + KL(q‖p)) / 2.</summary>
    public static double SymmetricKl(double m1, double v1, double m2, double v2) =>
        0.25 * (v1 / v2 + v2 / v1 - 2 + (m1 - m2) * (m1 - m2) * (1 / v1 + 1 / v2));

    /// <summary>Writes a per-layer plot of the distance.</summary>
    public static void Plot(DomainDistanceResult result, string path)
    {
        double[] xs = Enumerable.Range(1, result.Layers.Count).Select(i => (double)i).ToArray();
        double[] ys = result.Layers.Select(l => l.SymmetricKl).ToArray();
        var markers = result
            .Layers.Select((l, i) => (l, i))
            .Where(p => p.i == 0 || result.Layers[p.i - 1].Group != p.l.Group)
            .Select(p => ((double)(p.i + 1), p.l.Group))
            .ToList();
        IO.Plots.Line(
            path,
            $"Domain distance to the pretraining data (d = {result.Overall:F3})",
            "BatchNorm layer (input to output)",
            "symmetric KL, mean over channels",
            xs,
            ys,
            markers
        );
    }
}
