using System.Diagnostics;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;
using TransferSharp.Training.Optimizers;
using static TorchSharp.torch;

namespace TransferSharp.Multimodal;

/// <summary>
/// The image branch and the fusion network trained together, end to end, once the fusion network has learnt on
/// frozen features: the backbone's layer groups at discriminative rates (each earlier group a decay times the next)
/// and unfrozen top down, one more group an epoch; the record branch at its own rate; the fusion head at its own.
/// Modality dropout and mirrored images as augmentation. The epoch best on validation is kept (accuracy, then log-loss)
/// only when it improves on the frozen start by that rule: otherwise nothing changes.
/// </summary>
public static class JointTuning
{
    /// <summary>The tuned backbone's weights in a run folder.</summary>
    public const string FileName = "backbone.bin";

    /// <summary>Tunes <paramref name="backbone"/> and <paramref name="model"/> in place. The sources are row-aligned
    /// with the rows; the features are standardised with the fit's <paramref name="mean"/> and <paramref
    /// name="scale"/>, which stay as they are (predict applies them to the tuned network's features).</summary>
    public static JointSummary Tune(
        Backbone backbone,
        NetworkModel model,
        IReadOnlyList<IImageSource?> trainSources,
        FusionRows train,
        IReadOnlyList<IImageSource?> valSources,
        FusionRows validation,
        float[] mean,
        float[] scale,
        MultimodalOptions options,
        IProgress<ProgressUpdate>? progress,
        CancellationToken cancellation
    )
    {
        if (model.Kind is FusionKind.RecordOnly)
            throw new ArgumentException("a record-only model has no image branch to tune", nameof(model));
        var watch = Stopwatch.StartNew();
        manual_seed(options.Seed);
        FusionNetwork network = model.Network;
        var graph = backbone.Network;
        // The groups the features read, up to the deepest: later ones never run (--features stage3).
        var names = graph.Groups.Select(g => g.Name).ToList();
        int groups = backbone.FeatureLayers.Max(l => names.IndexOf(l)) + 1;
        using var trainSet = JointBatches.Decode(
            backbone,
            trainSources,
            train,
            progress,
            "joint tuning: training images",
            cancellation
        );
        using var valSet = JointBatches.Decode(
            backbone,
            valSources,
            validation,
            progress,
            "joint tuning: validation images",
            cancellation
        );
        using Tensor mu = tensor(mean);
        using Tensor sigma = tensor(scale);
        var (optimizer, rates) = Build(graph, groups, network, options);
        using var owned = optimizer;
        var original = graph.parameters().Select(p => (p, p.requires_grad)).ToList();
        var statistics = graph.BatchNorms().Select(b => (b.layer, b.layer.UpdatesStatistics)).ToList();
        var random = new Random(options.Seed);
        // As the fusion networks: at least ten steps an epoch on small tables.
        int batchSize = Math.Clamp(train.Count / 10, Math.Min(8, options.BatchSize), options.BatchSize);
        bool dropModalities = model.Kind is FusionKind.Late or FusionKind.Film && options.ModalityDropout > 0;
        var before = Score(backbone, network, valSet, mu, sigma);
        (double accuracy, double loss) best = before;
        Dictionary<string, Tensor> start = Snapshot(graph, network);
        Dictionary<string, Tensor>? kept = null;
        int bestEpoch = 0;
        int steps = train.Count / batchSize + (train.Count % batchSize >= 2 ? 1 : 0);
        try
        {
            using var task = progress.Begin("joint tuning", (long)options.JointEpochs * steps);
            for (int epoch = 1; epoch <= options.JointEpochs; epoch++)
            {
                cancellation.ThrowIfCancellationRequested();
                Unfreeze(graph, options.JointGradual ? Math.Max(0, groups - epoch) : 0, groups);
                graph.train();
                network.train();
                int[] order = Enumerable.Range(0, train.Count).ToArray();
                random.Shuffle(order);
                double lossSum = 0;
                for (int first = 0; first < order.Length; first += batchSize)
                {
                    int[] batch = order[first..Math.Min(order.Length, first + batchSize)];
                    // A last batch of one row would give BatchNorm a single value per channel.
                    if (batch.Length < 2)
                        continue;
                    using var scope = NewDisposeScope();
                    Tensor inputs = trainSet.Inputs(backbone, batch, mu, sigma, random);
                    if (dropModalities)
                        inputs = NetworkModel.DropModalities(
                            inputs,
                            train.ImageWidth,
                            train.RecordWidth,
                            options,
                            random
                        );
                    Tensor loss = nn.functional.cross_entropy(network.forward(inputs), trainSet.Labels(batch));
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    lossSum += loss.item<float>() * batch.Length;
                    task.Advance(1);
                }
                graph.eval();
                network.eval();
                var score = Score(backbone, network, valSet, mu, sigma);
                progress.Info(
                    $"joint tuning epoch {epoch}: train loss {lossSum / train.Count:F4}, validation "
                        + $"{score.accuracy:F4} (frozen start {before.accuracy:F4})"
                );
                if (score.accuracy > best.accuracy || (score.accuracy == best.accuracy && score.loss < best.loss))
                {
                    best = score;
                    bestEpoch = epoch;
                    Release(kept);
                    kept = Snapshot(graph, network);
                }
            }
            // No epoch improved on the frozen start: the weights go back to it.
            Restore(graph, network, kept ?? start);
        }
        finally
        {
            Release(kept);
            Release(start);
            foreach (var (p, trains) in original)
                p.requires_grad_(trains);
            foreach (var (layer, updates) in statistics)
                layer.UpdatesStatistics = updates;
            graph.eval();
            network.eval();
        }
        return new JointSummary(
            model.Kind,
            options.JointEpochs,
            bestEpoch,
            options.JointGradual ? "gradual" : "all",
            rates,
            Math.Round(before.accuracy, 4),
            Math.Round(best.accuracy, 4),
            Seconds: Math.Round(watch.Elapsed.TotalSeconds, 2)
        );
    }

    private static (optim.Optimizer optimizer, Dictionary<string, double> rates) Build(
        OnnxGraphModule graph,
        int groups,
        FusionNetwork network,
        MultimodalOptions options
    )
    {
        // timm's layer decay, counted from the head: the last backbone group at rate x decay, each earlier one a
        // further decay down.
        double[] spread = LearningRateSpread.LayerDecay(options.JointRate, options.JointLayerDecay, groups + 1);
        var rates = new Dictionary<string, double>();
        var parameterGroups = new List<TorchSharp.Modules.AdamW.ParamGroup>();
        void Add(string name, IReadOnlyList<TorchSharp.Modules.Parameter> parameters, double rate)
        {
            if (parameters.Count == 0)
                return;
            rates[name] = rate;
            // Weight decay on matrices and kernels, not on biases and BatchNorm (as the fit's optimizer).
            var decayed = parameters.Where(p => p.dim() > 1).ToList();
            var plain = parameters.Where(p => p.dim() <= 1).ToList();
            if (decayed.Count > 0)
                parameterGroups.Add(new(decayed, rate, weight_decay: options.WeightDecay));
            if (plain.Count > 0)
                parameterGroups.Add(new(plain, rate, weight_decay: 0));
        }
        for (int g = 0; g < groups; g++)
            Add(graph.Groups[g].Name, graph.GroupParameters(g).Select(p => p.parameter).ToList(), spread[g]);
        Add("record", network.RecordParameters(), options.RecordRate ?? options.JointRate);
        Add("head", network.HeadParameters(), options.JointRate);
        return (new AdamW(parameterGroups, options.JointRate), rates);
    }

    // Groups [firstTrainable, groups) train; the others are frozen (no gradient), as is a parameter in no group (none
    // in the importer's graphs).
    private static void Unfreeze(OnnxGraphModule graph, int firstTrainable, int groups)
    {
        foreach (var p in graph.parameters())
        {
            p.requires_grad_(false);
            p.grad = null;
        }
        for (int g = firstTrainable; g < groups; g++)
            foreach (var (_, p) in graph.GroupParameters(g))
                p.requires_grad_(true);
        // BatchNorm keeps its running statistics, in every group: batch statistics of a small, far-from-ImageNet
        // table move the features away from those the fusion head learnt on and standardised (measured: validation
        // fell from 0.72 to 0.54 in one epoch with them); the scales and shifts still train.
        foreach (var (_, layer) in graph.BatchNorms())
            layer.UpdatesStatistics = false;
    }

    private static (double accuracy, double loss) Score(
        Backbone backbone,
        FusionNetwork network,
        JointBatches rows,
        Tensor mean,
        Tensor scale
    )
    {
        using var noGrad = no_grad();
        double loss = 0;
        int correct = 0;
        for (int first = 0; first < rows.Count; first += 64)
        {
            using var scope = NewDisposeScope();
            int[] batch = Enumerable.Range(first, Math.Min(64, rows.Count - first)).ToArray();
            Tensor logits = network.forward(rows.Inputs(backbone, batch, mean, scale, null));
            Tensor labels = rows.Labels(batch);
            loss += nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
            correct += (int)logits.argmax(1).eq(labels).sum().item<long>();
        }
        return rows.Count == 0 ? (0, 0) : ((double)correct / rows.Count, loss / rows.Count);
    }

    private static Dictionary<string, Tensor> Snapshot(OnnxGraphModule graph, FusionNetwork network)
    {
        using var scope = NewDisposeScope();
        var copy = new Dictionary<string, Tensor>();
        foreach (var (name, t) in graph.state_dict())
            copy["backbone." + name] = t.detach().clone().DetachFromDisposeScope();
        foreach (var (name, t) in network.state_dict())
            copy["fusion." + name] = t.detach().clone().DetachFromDisposeScope();
        return copy;
    }

    private static void Restore(OnnxGraphModule graph, FusionNetwork network, Dictionary<string, Tensor> snapshot)
    {
        using var noGrad = no_grad();
        foreach (var (name, t) in graph.state_dict())
            t.copy_(snapshot["backbone." + name]);
        foreach (var (name, t) in network.state_dict())
            t.copy_(snapshot["fusion." + name]);
    }

    private static void Release(Dictionary<string, Tensor>? snapshot)
    {
        foreach (Tensor t in snapshot?.Values ?? Enumerable.Empty<Tensor>())
            t.Dispose();
    }
}
