using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using TransferSharp.Progress;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Training;

/// <summary>Training stopped because the loss became NaN or infinite; the best checkpoint so far is kept.</summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteLossException(int epoch, int batch) : base($"the training loss became NaN or infinite at epoch {epoch}, batch {batch}")
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>1-based epoch.</summary>
    public int Epoch { get; }
    /// <summary>1-based batch.</summary>
    public int Batch { get; }
}

/// <summary>How a fit ended.</summary>
/// <param name="History">Every epoch.</param>
/// <param name="StopReason">Why it stopped before the epoch budget, or null.</param>
/// <param name="RestoredEpoch">The epoch whose weights the model holds at the end.</param>
/// <param name="Failure">A non-finite loss that stopped training, or null.</param>
/// <param name="Averaged">With weight averaging: the averaged epochs and the average's validation loss and accuracy; else null.</param>
public sealed record TrainingOutcome(TrainingHistory History, string? StopReason, int? RestoredEpoch, NonFiniteLossException? Failure, AveragedWeights? Averaged = null);

/// <summary>The result of weight averaging.</summary>
/// <param name="Epochs">The averaged epochs (1-based).</param>
/// <param name="ValLoss">Validation loss of the averaged weights.</param>
/// <param name="ValAccuracy">Validation accuracy of the averaged weights.</param>
public sealed record AveragedWeights(IReadOnlyList<int> Epochs, double ValLoss, double ValAccuracy);

/// <summary>The fit loop. Everything beyond the loop hangs on callbacks, plans and regularizers.</summary>
public sealed class Trainer
{
    private readonly TransferModel model;
    private readonly TrainingOptions options;
    private readonly Device device;
    private readonly IProgressSink progress;
    private readonly Dictionary<(int group, bool validation), Tensor> prefixCache = new();

    /// <summary>A trainer for <paramref name="model"/>.</summary>
    public Trainer(TransferModel model, TrainingOptions options, Device device, IProgressSink progress)
    {
        options.Validate();
        this.model = model;
        this.options = options;
        this.device = device;
        this.progress = progress;
    }

    /// <summary>Trains with <paramref name="plan"/> on <paramref name="train"/>, validating on <paramref name="validation"/> each epoch.</summary>
    public TrainingOutcome Fit(IStrategyPlan plan, ImageStore train, ImageStore validation, IReadOnlyList<ITrainingCallback> callbacks, IRegularizer? regularizer = null)
    {
        manual_seed(options.Seed);
        // Deterministic mode: one intra-op thread, so that reductions run in a fixed order (libtorch's deterministic-algorithms switch is not exposed by TorchSharp).
        int threads = get_num_threads();
        if (options.Deterministic) set_num_threads(1);
        try { return FitCore(plan, train, validation, callbacks, regularizer); }
        finally { if (options.Deterministic) set_num_threads(threads); }
    }

    private TrainingOutcome FitCore(IStrategyPlan plan, ImageStore train, ImageStore validation, IReadOnlyList<ITrainingCallback> callbacks, IRegularizer? regularizer)
    {
        var random = new Random(options.Seed);
        var history = new TrainingHistory();
        using var best = new BestCheckpoint();
        using var averaging = options.AverageLastEpochs is { } last ? new WeightAveraging(options.Epochs - last + 1) : null;
        var allCallbacks = callbacks.Prepend(best).ToList();
        if (averaging is not null) allCallbacks.Add(averaging);
        double[] rates = GroupRates(model, options);
        var (optimizer, groupOfParamGroup) = BuildOptimizer(rates, regularizer);
        int stepsPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        long totalSteps = (long)stepsPerEpoch * options.Epochs, step = 0;
        string? stopReason = null;
        NonFiniteLossException? failure = null;
        bool restoreBest = options.RestoreBest;
        foreach (var c in allCallbacks) c.OnTrainingStart(model);
        if (options.ScoreStart)
        {
            // Epoch 0: the starting point competes for the best checkpoint (a fitted head is not thrown away by a bad first epoch).
            var startWatch = Stopwatch.StartNew();
            var (startLoss, startAccuracy) = Evaluate(validation);
            var start = new EpochResult(0, "start", double.NaN, double.NaN, startLoss, startAccuracy,
                model.Groups.ToDictionary(g => g.Name, _ => 0.0), 0, 0, false, startWatch.Elapsed.TotalSeconds);
            history.SetStart(start);
            best.OnEpochEnd(model, start, history, isBest: true);
            progress.Info($"start: val loss {startLoss:F4} acc {startAccuracy:P1}");
        }

        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            // 1. Plan: which groups train this epoch.
            EpochPlan epochPlan = plan.Next(epoch, history);
            if (epochPlan.Stop) { stopReason = epochPlan.Reason; restoreBest |= epochPlan.RestoreBest; break; }
            // An input adapter learns with the head, whatever the plan freezes.
            if (model.AdapterIndex is { } adapter && epochPlan.Modes[adapter] != GroupMode.Full)
                epochPlan = epochPlan with { Modes = epochPlan.Modes.Select((m, g) => g == adapter ? GroupMode.Full : m).ToList() };
            // 2. Apply it: freeze for real; find the frozen prefix that can run without autograd.
            Freezer.Apply(model, epochPlan.Modes, options.FreezeBatchNormStatistics);
            int prefix = FrozenPrefix(epochPlan.Modes);
            // The naive baseline's frozen parts: autograd computes their gradients, which are then thrown away.
            List<Parameter> tracked = options.AutogradThroughFrozen ? model.Groups.SelectMany(g => g.All).Where(p => !p.requires_grad).ToList() : new();
            foreach (Parameter p in tracked) p.requires_grad_(true);
            bool cachePrefix = prefix > 0 && options.Augmentation.IsOff;
            var watch = Stopwatch.StartNew();
            var rateLog = model.Groups.ToDictionary(g => g.Name, g => rates[g.Index] * Schedules.Multiplier(options.Schedule, (double)step / totalSteps, options.WarmupFraction));
            // 3. Train one epoch.
            model.Train(true);
            double lossSum = 0, correct = 0;
            using (var task = progress.Begin($"epoch {epoch + 1}/{options.Epochs} [{epochPlan.Stage}]", stepsPerEpoch))
            {
                Tensor order = randperm(train.Count, generator: new Generator((ulong)(options.Seed * 7919 + epoch)));
                long[] permutation = order.data<long>().ToArray();
                order.Dispose();
                for (int b = 0; b < stepsPerEpoch; b++, step++)
                {
                    using var scope = NewDisposeScope();
                    double multiplier = Schedules.Multiplier(options.Schedule, (double)step / totalSteps, options.WarmupFraction);
                    for (int p = 0; p < groupOfParamGroup.Count; p++) optimizer.ParamGroups.ElementAt(p).LearningRate = rates[groupOfParamGroup[p]] * multiplier;
                    Tensor index = tensor(permutation.Skip(b * options.BatchSize).Take(options.BatchSize).ToArray());
                    Tensor labels = train.Labels.index_select(0, index).to(device);
                    Tensor logits, loss;
                    if (options.MixupAlpha > 0 && prefix == 0)
                    {
                        // Mixup: one weight per batch, images and targets mixed with a shuffled copy of the batch.
                        double lambda = MathNet.Numerics.Distributions.Beta.Sample(random, options.MixupAlpha, options.MixupAlpha);
                        Tensor x = options.Augmentation.Apply(train.Batch(model.Backbone, index, device), random);
                        Tensor partner = randperm(x.shape[0], generator: new Generator((ulong)(options.Seed * 104729 + step))).to(x.device);
                        logits = model.Forward(x * lambda + x.index_select(0, partner) * (1 - lambda));
                        loss = F.cross_entropy(logits, labels, label_smoothing: options.LabelSmoothing) * lambda
                             + F.cross_entropy(logits, labels.index_select(0, partner), label_smoothing: options.LabelSmoothing) * (1 - lambda);
                    }
                    else
                    {
                        logits = Logits(train, index, prefix, cachePrefix, validation: false, random);
                        loss = F.cross_entropy(logits, labels, label_smoothing: options.LabelSmoothing);
                    }
                    Tensor objective = regularizer is null ? loss : loss + regularizer.Penalty(model);
                    double lossValue = loss.item<float>();
                    if (!double.IsFinite(lossValue) || (regularizer is not null && !double.IsFinite(objective.item<float>())))
                    { failure = new NonFiniteLossException(epoch + 1, b + 1); break; }
                    optimizer.zero_grad();
                    objective.backward();
                    foreach (Parameter p in tracked) p.grad = null;
                    optimizer.step();
                    lossSum += lossValue * index.shape[0];
                    correct += logits.argmax(1).eq(labels).sum().item<long>();
                    task.Advance(1);
                    if (b % 5 == 0) task.Describe($"epoch {epoch + 1}/{options.Epochs} [{epochPlan.Stage}] loss {lossSum / Math.Min((b + 1) * options.BatchSize, train.Count):F3}");
                }
            }
            foreach (Parameter p in tracked) { p.requires_grad_(false); p.grad = null; }
            if (failure is not null) { stopReason = failure.Message + "; keeping the best checkpoint so far"; restoreBest = true; break; }
            // 4. Validate.
            var (valLoss, valAccuracy) = Evaluate(validation, prefix, cachePrefix);
            var result = new EpochResult(epoch + 1, epochPlan.Stage, lossSum / train.Count, correct / train.Count, valLoss, valAccuracy,
                rateLog, model.TrainableParameters, prefix, cachePrefix, watch.Elapsed.TotalSeconds);
            bool isBest = history.Add(result);
            progress.Info($"epoch {result.Epoch}: train loss {result.TrainLoss:F4} acc {result.TrainAccuracy:P1} | val loss {valLoss:F4} acc {valAccuracy:P1}{(isBest ? " *" : "")} | {result.Seconds:F1} s");
            // 5. Callbacks: checkpoint, early stopping, records.
            foreach (var c in allCallbacks) c.OnEpochEnd(model, result, history, isBest);
            stopReason = allCallbacks.Select(c => c.StopReason(history)).FirstOrDefault(r => r is not null);
            if (stopReason is not null) break;
        }

        if (plan is GradualUnfreezePlan unfreeze) unfreeze.Close(history);
        int? restored = history.Epochs.Count > 0 ? history.Epochs[^1].Epoch : null;
        AveragedWeights? averaged = null;
        if (averaging is not null && failure is null && averaging.Epochs.Count >= 2 && averaging.LoadInto(model))
        {
            // The average replaces best-epoch restore; its validation score is measured, not assumed.
            var (avgLoss, avgAccuracy) = Evaluate(validation);
            averaged = new AveragedWeights(averaging.Epochs.ToList(), avgLoss, avgAccuracy);
            restored = null;
            progress.Info($"weight averaging of epochs {averaging.Epochs[0]}-{averaging.Epochs[^1]}: val loss {avgLoss:F4} acc {avgAccuracy:P1}");
        }
        else if (restoreBest && best.RestoreInto(model)) restored = best.Epoch;
        foreach (var c in allCallbacks) c.OnTrainingEnd(model, history);
        foreach (var cached in prefixCache.Values) cached.Dispose();
        prefixCache.Clear();
        optimizer.Dispose();
        return new TrainingOutcome(history, stopReason, restored, failure, averaged);
    }

    /// <summary>The base rate of every group of <paramref name="model"/>: the spread, except that an input adapter learns at a multiple of the head's rate.</summary>
    public static double[] GroupRates(TransferModel model, TrainingOptions options)
    {
        double[] rates = options.GroupRates(model.Groups.Count);
        if (model.AdapterIndex is { } adapter) rates[adapter] = rates[model.HeadIndex] * options.AdapterRateMultiplier;
        return rates;
    }

    /// <summary>Mean loss and accuracy on a store, in eval mode without autograd.</summary>
    public (double loss, double accuracy) Evaluate(ImageStore data, int prefix = 0, bool cachePrefix = false)
    {
        if (data.Count == 0) return (double.NaN, double.NaN);
        model.Train(false);
        using var _ = no_grad();
        double lossSum = 0, correct = 0;
        for (int start = 0; start < data.Count; start += 64)
        {
            using var scope = NewDisposeScope();
            Tensor index = arange(start, Math.Min(start + 64, data.Count), dtype: ScalarType.Int64);
            Tensor labels = data.Labels.index_select(0, index).to(device);
            Tensor logits = Logits(data, index, prefix, cachePrefix, validation: true, random: null);
            lossSum += F.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(labels).sum().item<long>();
        }
        return (lossSum / data.Count, correct / data.Count);
    }

    private Tensor Logits(ImageStore data, Tensor index, int prefix, bool cachePrefix, bool validation, Random? random)
    {
        if (prefix == 0)
        {
            Tensor x = data.Batch(model.Backbone, index, device);
            if (!validation && random is not null) x = options.Augmentation.Apply(x, random);
            return model.Forward(x);
        }
        Tensor boundary;
        if (cachePrefix && PrefixOutputs(data, prefix, validation) is { } cached) boundary = cached.index_select(0, index.to(cached.device));
        else
        {
            Tensor x = data.Batch(model.Backbone, index, device);
            if (!validation && random is not null) x = options.Augmentation.Apply(x, random);
            using var _ = no_grad();
            boundary = RunPrefix(x, prefix);
        }
        return prefix == model.HeadIndex ? model.Head.forward(boundary) : model.ForwardFrom(boundary, prefix);
    }

    private Tensor RunPrefix(Tensor x, int prefix) =>
        prefix == model.HeadIndex ? model.Backbone.Features(x) : model.Backbone.Network.ForwardPrefix(x, prefix);

    /// <summary>Outputs of the frozen prefix for every image of a store, computed once per (prefix, split); null when over the memory budget.</summary>
    private Tensor? PrefixOutputs(ImageStore data, int prefix, bool validation)
    {
        if (prefixCache.TryGetValue((prefix, validation), out Tensor? cached)) return cached;
        foreach (var key in prefixCache.Keys.Where(k => k.group != prefix).ToList()) { prefixCache[key].Dispose(); prefixCache.Remove(key); }
        bool wasTraining = model.Backbone.Network.training;
        model.Backbone.Network.eval();
        var parts = new List<Tensor>();
        using (var _ = no_grad())
        {
            for (int start = 0; start < data.Count; start += 64)
            {
                using var scope = NewDisposeScope();
                Tensor index = arange(start, Math.Min(start + 64, data.Count), dtype: ScalarType.Int64);
                Tensor part = RunPrefix(data.Batch(model.Backbone, index, device), prefix);
                if (start == 0 && part.numel() / part.shape[0] * 4L * data.Count > options.PrefixCacheBytes) { model.Backbone.Network.train(wasTraining); return null; }
                parts.Add(part.DetachFromDisposeScope()); // owned by the cache, not by any batch's scope
            }
        }
        model.Backbone.Network.train(wasTraining);
        Tensor all = cat(parts.ToArray(), 0).DetachFromDisposeScope();
        foreach (var p in parts) p.Dispose();
        prefixCache[(prefix, validation)] = all;
        return all;
    }

    /// <summary>Number of leading groups that are frozen and can be cut off (run without autograd).</summary>
    private int FrozenPrefix(IReadOnlyList<GroupMode> modes)
    {
        if (!options.OptimizeFrozenPrefix) return 0;
        int k = 0;
        while (k < model.HeadIndex && modes[k] == GroupMode.Frozen) k++;
        while (k > 0 && k < model.HeadIndex && !model.Backbone.Network.CanSplitBefore(k)) k--;
        return k;
    }

    /// <summary>Optimizer parameter groups, built once: per layer group, decayed weights and undecayed biases/BatchNorm.</summary>
    private (optim.Optimizer optimizer, List<int> groupOfParamGroup) BuildOptimizer(double[] rates, IRegularizer? regularizer)
    {
        var owner = new List<int>();
        if (options.Optimizer == OptimizerKind.Sgd)
        {
            var groups = new List<SGD.ParamGroup>();
            foreach (ModelGroup g in model.Groups)
            {
                double decay = regularizer?.ReplacesWeightDecay(g.Index) == true ? 0 : options.WeightDecay;
                if (g.Decay.Count > 0) { groups.Add(new SGD.ParamGroup(g.Decay, rates[g.Index], options.Momentum, 0, decay, nesterov: true)); owner.Add(g.Index); }
                if (g.NoDecay.Count > 0) { groups.Add(new SGD.ParamGroup(g.NoDecay, rates[g.Index], options.Momentum, 0, 0, nesterov: true)); owner.Add(g.Index); }
            }
            return (optim.SGD(groups, options.LearningRate), owner);
        }
        var adamGroups = new List<AdamW.ParamGroup>();
        foreach (ModelGroup g in model.Groups)
        {
            double decay = regularizer?.ReplacesWeightDecay(g.Index) == true ? 0 : options.WeightDecay;
            if (g.Decay.Count > 0) { adamGroups.Add(new AdamW.ParamGroup(g.Decay, rates[g.Index], weight_decay: decay)); owner.Add(g.Index); }
            if (g.NoDecay.Count > 0) { adamGroups.Add(new AdamW.ParamGroup(g.NoDecay, rates[g.Index], weight_decay: 0)); owner.Add(g.Index); }
        }
        return (optim.AdamW(adamGroups, options.LearningRate), owner);
    }
}
