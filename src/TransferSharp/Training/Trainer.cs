using System.Diagnostics;
using TransferSharp.Progress;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Training;

/// <summary>
/// The fit loop: plan, freeze, train the epoch's batches, validate, ask the callbacks. Everything beyond the loop hangs
/// on callbacks (<see cref="ITrainingCallback"/>), plans (<see cref="IStrategyPlan"/>) and regularizers.
/// </summary>
public sealed class Trainer
{
    private readonly TransferModel model;
    private readonly TrainingSettings settings;
    private readonly Device device;
    private readonly IProgress<ProgressUpdate>? progress;
    private readonly CancellationToken cancellation;
    private readonly FrozenPrefixCache prefixCache;
    private readonly CheckpointStore? checkpoints;
    private readonly Stopwatch sinceCheckpoint = Stopwatch.StartNew();

    /// <summary>A trainer for <paramref name="model"/>; <paramref name="cancellation"/> is checked at every step; with
    /// <paramref name="checkpoints"/>, the state is saved after every epoch (and resumed from when the store continues
    /// an interrupted fit).</summary>
    public Trainer(
        TransferModel model,
        TrainingSettings settings,
        Device device,
        IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellation = default,
        CheckpointStore? checkpoints = null
    )
    {
        this.checkpoints = checkpoints;
        settings.Validate();
        this.model = model;
        this.settings = settings;
        this.device = device;
        this.progress = progress;
        this.cancellation = cancellation;
        prefixCache = new FrozenPrefixCache(model, device, settings.PrefixCacheBytes);
    }

    /// <summary>
    /// Trains with <paramref name="plan"/> on <paramref name="train"/>, validating on <paramref name="validation"/>
    /// after each epoch (none when null).
    /// </summary>
    public TrainingOutcome Fit(
        IStrategyPlan plan,
        ImageStore train,
        ImageStore? validation,
        IReadOnlyList<ITrainingCallback>? callbacks = null,
        IRegularizer? regularizer = null
    )
    {
        manual_seed(settings.Seed);
        // Deterministic mode: one intra-op thread, so that reductions run in a fixed order (libtorch's
        // deterministic-algorithms switch is not exposed by TorchSharp).
        int threads = get_num_threads();
        if (settings.Deterministic)
            set_num_threads(1);
        var network = model.Backbone.Network;
        network.TrainingComputeType = settings.Precision == TrainingPrecision.Bf16 ? ScalarType.BFloat16 : null;
        network.TrainingChannelsLast = settings.ChannelsLastConvolutions;
        try
        {
            return Run(plan, train, validation, callbacks ?? Array.Empty<ITrainingCallback>(), regularizer);
        }
        finally
        {
            network.TrainingComputeType = null;
            network.TrainingChannelsLast = false;
            if (settings.Deterministic)
                set_num_threads(threads);
            prefixCache.Clear();
        }
    }

    /// <summary>The base rate of every group: the spread, except that an input adapter learns at a multiple of the
    /// head's.</summary>
    public static double[] GroupRates(TransferModel model, TrainingSettings settings)
    {
        double[] rates = settings.GroupRates(model.Groups.Count);
        if (model.AdapterIndex is { } adapter)
            rates[adapter] = rates[model.HeadIndex] * settings.AdapterRateMultiplier;
        return rates;
    }

    /// <summary>Mean loss and accuracy on a store, in eval mode without autograd.</summary>
    public (double loss, double accuracy) Evaluate(ImageStore data, int prefix = 0, bool cachePrefix = false)
    {
        if (data.Count == 0)
            return (double.NaN, double.NaN);
        model.Train(false);
        double lossSum = 0,
            correct = 0;
        Inference.ForEachBatch(
            data.Count,
            64,
            index =>
            {
                Tensor labels = data.Labels.index_select(0, index).to(device);
                Tensor logits = Logits(data, index, prefix, cachePrefix, validation: true, prepare: null);
                lossSum += F.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
                correct += logits.argmax(1).eq(labels).sum().item<long>();
            }
        );
        return (lossSum / data.Count, correct / data.Count);
    }

    private TrainingOutcome Run(
        IStrategyPlan plan,
        ImageStore train,
        ImageStore? validation,
        IReadOnlyList<ITrainingCallback> callbacks,
        IRegularizer? regularizer
    )
    {
        int stepsPerEpoch = (train.Count + settings.BatchSize - 1) / settings.BatchSize;
        var context = new TrainingContext(
            model,
            settings,
            device,
            progress,
            s => Evaluate(s),
            validation,
            stepsPerEpoch
        );
        using var best = new BestCheckpoint();
        using var averaging = settings.AverageLastEpochs is { } last
            ? new WeightAveraging(settings.Epochs - last + 1)
            : null;
        var all = Callbacks(plan, best, averaging, callbacks);
        double[] rates = GroupRates(model, settings);
        using var optimizer = new GroupOptimizer(model, settings, rates, regularizer);
        var parts = new CheckpointParts(context, optimizer, best, averaging);
        int fit = checkpoints?.BeginFit() ?? -1;
        var loop = new Loop(all, optimizer, regularizer, rates, (long)stepsPerEpoch * settings.Epochs, parts, fit);
        foreach (var c in all)
            c.OnTrainingStart(context);
        RunEpochs(context, loop, plan, train, validation, Resume(context, loop, plan));
        context.RestoredEpoch = context.History.Epochs.Count > 0 ? context.History.Epochs[^1].Epoch : null;
        foreach (var c in all)
            c.OnTrainingEnd(context);
        return Outcome(context);
    }

    private static TrainingOutcome Outcome(TrainingContext context) =>
        new(context.History, context.StopRequest, context.RestoredEpoch, context.Failure, context.Averaged);

    private void RunEpochs(
        TrainingContext context,
        Loop loop,
        IStrategyPlan plan,
        ImageStore train,
        ImageStore? validation,
        (int first, EpochPlan? resumed) start
    )
    {
        for (int epoch = start.first; epoch < settings.Epochs && context.StopRequest is null; epoch++)
        {
            context.Epoch = epoch;
            // An epoch resumed from within: the plan already decided it (replayed), and must not decide twice.
            EpochPlan next = epoch == start.first && start.resumed is { } p ? p : plan.Next(epoch, context.History);
            if (next.Stop)
            {
                context.Stop(next.Reason ?? "the plan stopped", next.RestoreBest);
                return;
            }
            context.Plan = next;
            RunEpochRetrying(context, loop, train, validation);
            if (checkpoints is not null && context.Failure is null && checkpoints.Saves(loop.Fit))
                SaveCheckpoint(loop, epoch + 1);
        }
    }

    private void SaveCheckpoint(Loop loop, int epochsDone)
    {
        TrainingCheckpoint.Write(checkpoints!.StatePath, loop.Fit, epochsDone, loop.Parts);
        sinceCheckpoint.Restart();
    }

    /// <summary>Within a long epoch, once <see cref="CheckpointStore.WithinEpochEvery"/> has passed: the state after
    /// <paramref name="progress"/>'s batches.</summary>
    private void SaveWithinEpoch(TrainingContext context, Loop loop, EpochProgress progress)
    {
        if (
            checkpoints?.WithinEpochEvery is not { } every
            || sinceCheckpoint.Elapsed < every
            || context.Failure is not null
            || !checkpoints.Saves(loop.Fit)
            || progress.Batches == context.StepsPerEpoch
        )
            return;
        context.Partial = progress;
        try
        {
            SaveCheckpoint(loop, context.Epoch);
        }
        finally
        {
            context.Partial = null;
        }
    }

    /// <summary>Runs an epoch; under <see cref="NonFinitePolicy.ReduceLr"/>, an epoch whose loss or gradient became NaN
    /// is retried from the state before it at a tenth of the rate, up to three times.</summary>
    private void RunEpochRetrying(TrainingContext context, Loop loop, ImageStore train, ImageStore? validation)
    {
        const int retries = 3;
        bool retrying = settings.OnNonFinite == NonFinitePolicy.ReduceLr;
        byte[]? start = retrying ? TrainingCheckpoint.Capture(loop.Parts) : null;
        double scale = context.RateScale;
        for (int retry = 1; ; retry++)
        {
            RunEpoch(context, loop, train, validation);
            if (start is null || context.Failure is not { } failure || retry > retries)
                return;
            TrainingCheckpoint.Restore(start, loop.Parts);
            context.ClearFailure();
            context.RateScale = scale / Math.Pow(10, retry);
            progress.Info(
                $"{failure.Message}: restored the state before epoch {context.Epoch + 1}, learning rates x"
                    + $"{context.RateScale:G3} (retry {retry} of {retries})"
            );
        }
    }

    /// <summary>Checks the checkpoints' disk space, then continues from the checkpoint when this fit is the one it was
    /// written in; returns the epochs done.</summary>
    private (int first, EpochPlan? resumed) Resume(TrainingContext context, Loop loop, IStrategyPlan plan)
    {
        if (checkpoints is null)
            return (0, null);
        // A checkpoint holds about five copies of the weights; two exist while one replaces the other.
        checkpoints.EnsureSpace(12 * model.Groups.SelectMany(g => g.All).Sum(p => p.numel() * p.element_size()));
        if (!checkpoints.ResumesAt(loop.Fit))
            return (0, null);
        int done = TrainingCheckpoint.Read(checkpoints.StatePath, loop.Parts);
        // A plan's state (the unfreezing stage) follows from the epochs it saw: replay its decisions as they grew.
        var seen = new TrainingHistory();
        if (context.History.Start is { } start)
            seen.SetStart(start);
        for (int e = 0; e < done; e++)
        {
            plan.Next(e, seen);
            if (e < context.History.Epochs.Count)
                seen.Add(context.History.Epochs[e]);
        }
        if (context.Partial is not { } partial)
        {
            progress.Info($"resumed after epoch {done} from {checkpoints.StatePath}");
            return (done, null);
        }
        progress.Info($"resumed in epoch {done + 1} after batch {partial.Batches} from {checkpoints.StatePath}");
        return (done, plan.Next(done, seen));
    }

    /// <summary>The built-in callbacks in the order their events must run, then the caller's.</summary>
    private List<ITrainingCallback> Callbacks(
        IStrategyPlan plan,
        BestCheckpoint best,
        WeightAveraging? averaging,
        IReadOnlyList<ITrainingCallback> callbacks
    )
    {
        var all = new List<ITrainingCallback> { new NonFiniteLossGuard() };
        if (model.AdapterIndex is not null)
            all.Add(new AdapterTrainsWithHead());
        if (settings.MixupAlpha > 0)
            all.Add(new Mixup(settings.MixupAlpha));
        if (settings.AutogradThroughFrozen)
            all.Add(new NaiveAutograd());
        if (settings.ScoreStart)
            all.Add(new ScoredStart());
        if (plan is ITrainingCallback planEvents)
            all.Add(planEvents);
        // The final weights: the average when it is kept, else the best checkpoint; the caller's callbacks see them.
        if (averaging is not null)
            all.Add(averaging);
        all.Add(best);
        all.AddRange(callbacks);
        return all;
    }

    private void RunEpoch(TrainingContext context, Loop loop, ImageStore train, ImageStore? validation)
    {
        foreach (var c in loop.Callbacks)
            c.OnEpochStart(context);
        Freezer.Apply(model, context.Plan.Modes, settings.FreezeBatchNormStatistics);
        context.FrozenPrefix = FrozenPrefix(context.Plan.Modes);
        bool cachePrefix = context.FrozenPrefix > 0 && settings.Augmentation.IsOff;
        var watch = Stopwatch.StartNew();
        var rateLog = RateLog(context, loop);
        model.Train(true);
        var (lossSum, correct) = TrainBatches(context, loop, train, cachePrefix, rateLog);
        foreach (var c in loop.Callbacks)
            c.OnEpochTrained(context);
        if (context.StopRequest is not null || validation is null)
            return;
        var (valLoss, valAccuracy) = Evaluate(validation, context.FrozenPrefix, cachePrefix);
        var result = new EpochResult(
            context.Epoch + 1,
            context.Plan.Stage,
            lossSum / train.Count,
            correct / train.Count,
            valLoss,
            valAccuracy,
            rateLog,
            model.TrainableParameters,
            context.FrozenPrefix,
            cachePrefix,
            watch.Elapsed.TotalSeconds
        );
        bool isBest = context.History.Add(result);
        progress.Info(
            $"epoch {result.Epoch}: train loss {result.TrainLoss:F4} acc {result.TrainAccuracy:P1} | val loss "
                + $"{valLoss:F4} acc {valAccuracy:P1}{(isBest ? " *" : "")} | {result.Seconds:F1} s"
        );
        foreach (var c in loop.Callbacks)
            c.OnEpochEnd(context, result, isBest);
        if (loop.Callbacks.Select(c => c.StopReason(context)).FirstOrDefault(r => r is not null) is { } reason)
            context.Stop(reason);
    }

    /// <summary>Each group's rate at the epoch's start (as logged before a resume from within the epoch).</summary>
    private IReadOnlyDictionary<string, double> RateLog(TrainingContext context, Loop loop)
    {
        double scale = Multiplier(context.Step, loop) * context.RateScale;
        return context.Partial?.RateLog ?? model.Groups.ToDictionary(g => g.Name, g => loop.Rates[g.Index] * scale);
    }

    private (double lossSum, double correct) TrainBatches(
        TrainingContext context,
        Loop loop,
        ImageStore train,
        bool cachePrefix,
        IReadOnlyDictionary<string, double> rateLog
    )
    {
        string label = $"epoch {context.Epoch + 1}/{settings.Epochs} [{context.Plan.Stage}]";
        using var task = progress.Begin(label, context.StepsPerEpoch);
        long[] permutation = Permutation(train.Count, context.Epoch);
        EpochProgress? resumed = context.Partial;
        context.Partial = null;
        double lossSum = resumed?.LossSum ?? 0,
            correct = resumed?.Correct ?? 0;
        task.Advance(resumed?.Batches ?? 0);
        for (int b = resumed?.Batches ?? 0; b < context.StepsPerEpoch; b++, context.Step++)
        {
            cancellation.ThrowIfCancellationRequested();
            var step = TrainStep(
                context,
                loop,
                train,
                permutation.Skip(b * settings.BatchSize).Take(settings.BatchSize),
                b + 1,
                cachePrefix
            );
            if (step is not { } done)
                break;
            lossSum += done.loss;
            correct += done.correct;
            task.Advance(1);
            if (b % 5 == 0)
                task.Describe($"{label} loss {lossSum / Math.Min((b + 1) * settings.BatchSize, train.Count):F3}");
            if (context.StopRequest is not null)
                break;
            SaveWithinEpoch(context, loop, new EpochProgress(b + 1, context.Step + 1, lossSum, correct, rateLog));
        }
        return (lossSum, correct);
    }

    /// <summary>The epoch's order of the training rows: seeded by the seed and the epoch alone, so a resumed epoch
    /// draws the same.</summary>
    private long[] Permutation(int count, int epoch)
    {
        var generator = new Generator((ulong)(settings.Seed * 7919 + epoch));
        using Tensor order = randperm(count, generator: generator);
        return order.data<long>().ToArray();
    }

    /// <summary>One optimizer step; null when a callback stopped training before it.</summary>
    private (double loss, double correct)? TrainStep(
        TrainingContext context,
        Loop loop,
        ImageStore train,
        IEnumerable<long> rows,
        int number,
        bool cachePrefix
    )
    {
        using var scope = NewDisposeScope();
        Tensor index = tensor(rows.ToArray());
        var labels = train.Labels.index_select(0, index).to(device);
        var batch = new TrainingBatch(number, index, labels, Multiplier(context.Step, loop));
        foreach (var c in loop.Callbacks)
            c.OnBatchStart(context, batch);
        loop.Optimizer.SetRates(batch.RateMultiplier * context.RateScale);
        Forward(context, loop, train, batch, cachePrefix);
        foreach (var c in loop.Callbacks)
            c.OnBeforeBackward(context, batch);
        if (context.StopRequest is not null)
            return null;
        loop.Optimizer.ZeroGrad();
        batch.Objective!.backward();
        foreach (var c in loop.Callbacks)
            c.OnAfterBackward(context, batch);
        if (context.StopRequest is not null)
            return null;
        loop.Optimizer.Step();
        foreach (var c in loop.Callbacks)
            c.OnBatchEnd(context, batch);
        return (batch.LossValue * index.shape[0], batch.Logits!.argmax(1).eq(labels).sum().item<long>());
    }

    /// <summary>A batch's logits, loss (the callbacks may replace it) and objective (the loss plus any
    /// penalty).</summary>
    private void Forward(TrainingContext context, Loop loop, ImageStore train, TrainingBatch batch, bool cachePrefix)
    {
        Tensor Prepared(Tensor x) => Prepare(context, loop, batch, x);
        batch.Logits = Logits(train, batch.Index, context.FrozenPrefix, cachePrefix, validation: false, Prepared);
        batch.Loss = F.cross_entropy(batch.Logits, batch.Labels, label_smoothing: settings.LabelSmoothing);
        foreach (var c in loop.Callbacks)
            c.OnLoss(context, batch);
        batch.Objective = loop.Regularizer is null ? batch.Loss : batch.Loss + loop.Regularizer.Penalty(model);
        batch.LossValue = batch.Loss.item<float>();
    }

    /// <summary>Augments a training batch's inputs and lets the callbacks see (and replace) them.</summary>
    private Tensor Prepare(TrainingContext context, Loop loop, TrainingBatch batch, Tensor x)
    {
        batch.Inputs = settings.Augmentation.Apply(x, context.Random);
        foreach (var c in loop.Callbacks)
            c.OnInputs(context, batch);
        return batch.Inputs;
    }

    private Tensor Logits(
        ImageStore data,
        Tensor index,
        int prefix,
        bool cachePrefix,
        bool validation,
        Func<Tensor, Tensor>? prepare
    )
    {
        if (prefix > 0 && cachePrefix && prefixCache.Outputs(data, prefix, validation) is { } cached)
            return FromBoundary(cached.index_select(0, index.to(cached.device)), prefix);
        Tensor x = data.Batch(model.Backbone, index, device);
        if (prepare is not null)
            x = prepare(x);
        if (prefix == 0)
            return model.Forward(x);
        Tensor boundary;
        using (no_grad())
            boundary = prefixCache.Run(x, prefix);
        return FromBoundary(boundary, prefix);
    }

    private Tensor FromBoundary(Tensor boundary, int prefix) =>
        prefix == model.HeadIndex ? model.Head.forward(boundary) : model.ForwardFrom(boundary, prefix);

    private double Multiplier(long step, Loop loop) =>
        Schedules.Multiplier(settings.Schedule, (double)step / loop.TotalSteps, settings.WarmupFraction);

    /// <summary>Number of leading groups that are frozen and can be cut off (run without autograd).</summary>
    private int FrozenPrefix(IReadOnlyList<GroupMode> modes)
    {
        if (!settings.OptimizeFrozenPrefix)
            return 0;
        int k = 0;
        while (k < model.HeadIndex && modes[k] == GroupMode.Frozen)
            k++;
        // From a boundary inside the network the model runs to its last group's output; a head on intermediate
        // groups reads their pooled outputs from the input instead, unless every group is frozen.
        if (k < model.HeadIndex && !model.Backbone.FinalFeaturesOnly)
            return 0;
        while (k > 0 && k < model.HeadIndex && !model.Backbone.Network.CanSplitBefore(k))
            k--;
        return k;
    }

    /// <summary>What stays fixed through a fit.</summary>
    private sealed record Loop(
        IReadOnlyList<ITrainingCallback> Callbacks,
        GroupOptimizer Optimizer,
        IRegularizer? Regularizer,
        double[] Rates,
        long TotalSteps,
        CheckpointParts Parts,
        int Fit
    );
}
