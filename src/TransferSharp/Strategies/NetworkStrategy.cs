using TorchSharp;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Runs;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Strategies;

/// <summary>What a network-training strategy produced.</summary>
/// <param name="Model">The trained model.</param>
/// <param name="ValidationLabels">Labels of the validation images that were kept.</param>
/// <param name="ValidationLogProbabilities">The trained model's log-probabilities on them (with its test-time augmentation).</param>
public sealed record NetworkOutcome(TransferModel Model, int[] ValidationLabels, double[][] ValidationLogProbabilities);

/// <summary>
/// The strategies that train (part of) the network: fine-tune, gradual-unfreeze, bn-only, l2-sp, lp-ft, adabn and the
/// from-scratch baseline. Each is a plan (which groups train) plus, where it needs one, a starting point (LP head,
/// AdaBN statistics, random weights) or a regularizer (L2-SP); one trainer runs them all.
/// </summary>
public static class NetworkStrategy
{
    /// <summary>Trains and records; returns the trained model (the caller saves and disposes it) with its validation predictions.</summary>
    public static NetworkOutcome Train(Backbone backbone, ImageDataset train, int[] trainIdx, int[] valIdx, ImageDataset? test,
        FitOptions options, Device device, RunRecord record, IProgressSink progress)
    {
        // 1. Decode the splits once (8-bit images, or raw channels for the channel pipeline).
        int size = backbone.InputSize;
        bool channels = options.UsesChannelPipeline(train);
        ImageStore Load(ImageDataset data, IReadOnlyList<int> rows, string label) => channels
            ? ImageStore.LoadChannels(data, rows, size, options.SkipBad, progress, label)
            : ImageStore.Load(data, rows, size, options.SkipBad, progress, label);
        using ImageStore trainStore = Load(train, trainIdx, "train");
        using ImageStore valStore = Load(train, valIdx, "validation");
        using ImageStore? testStore = test is null ? null : Load(test, Enumerable.Range(0, test.Count).ToList(), "test");
        record.Set("skipped_images", trainStore.Bad.Concat(valStore.Bad).Concat(testStore?.Bad ?? Array.Empty<BadImage>()).ToList());
        CheckSplit(trainStore, valStore, train.ClassNames);
        bool frozenBackbone = options.Strategy == StrategyCatalog.FeatureExtraction;
        if (channels) ChannelPipeline(backbone, trainStore, valStore, testStore, options, record, frozenBackbone);

        // 2. The model and the strategy's starting point.
        var head = new ClassifierHead(backbone.FeatureWidth, train.ClassNames.Count);
        if (device.type != DeviceType.CPU)
        {
            // Before the model is built: moving replaces parameter objects, and layer groups hold parameters.
            backbone.Network.to(device);
            head.to(device);
        }
        var model = new TransferModel(backbone, head) { ChannelInput = trainStore.ChannelInput };
        TrainingOptions training = Defaults(options);
        if (options.Naive) training = training with { OptimizeFrozenPrefix = false, AutogradThroughFrozen = true };
        string strategy = options.Strategy;
        if (strategy == StrategyCatalog.Scratch) BatchNormTools.Reinitialize(backbone, options.Seed);
        if (options.AdaBn || strategy == StrategyCatalog.AdaBatchNorm)
            record.Set("adabn_layers", BatchNormTools.ReestimateStatistics(model, trainStore, device, progress));
        // LP-FT and AdaBN start from a linear probe; so does gradual unfreezing, whose head-only stage then starts converged.
        if (options.Naive && strategy == StrategyCatalog.LinearProbeThenFineTune)
            TrainHeadNaively(model, trainStore, valStore, training, options, device, record, progress);
        else if (strategy is StrategyCatalog.LinearProbeThenFineTune or StrategyCatalog.AdaBatchNorm or StrategyCatalog.GradualUnfreeze)
            InitializeHeadByLinearProbe(model, trainStore, valStore, options, device, record, progress);

        // Feature extraction through the channel pipeline with an adapter that does not learn: the 8-bit path's head (a
        // logistic regression, weight decay chosen on validation) on frozen features computed once; nothing else trains.
        if (strategy == StrategyCatalog.FeatureExtraction && options.Adapter != Adapters.AdapterKind.Conv1x1)
        {
            InitializeHeadByLinearProbe(model, trainStore, valStore, options, device, record, progress);
            var (valLoss, valAccuracy) = new Trainer(model, training, device, progress).Evaluate(valStore);
            record.Set("head", "multinomial logistic regression on the frozen features (channel pipeline)")
                  .Set("val_accuracy", Math.Round(valAccuracy, 4)).Set("val_loss", Math.Round(valLoss, 4))
                  .Set("trainable_parameters", model.Head.parameters().Sum(p => p.numel()));
            Test(model, testStore, train.ClassNames, device, options, record);
            return Outcome(model, valStore, device, options);
        }

        // 3. Train.
        var names = model.Groups.Select(g => g.Name).ToList();
        IStrategyPlan plan = strategy switch
        {
            // Rolling back needs a real drop: at least two validation images, or 1% of the split.
            StrategyCatalog.GradualUnfreeze => new GradualUnfreezePlan(names, training.Patience ?? 2, Math.Max(0.01, 1.5 / Math.Max(1, valStore.Count))),
            StrategyCatalog.BatchNormOnly => new BatchNormOnlyPlan(names),
            StrategyCatalog.AdaBatchNorm or StrategyCatalog.FeatureExtraction => new FineTunePlan(names, model.HeadIndex),
            // --freeze-to counts backbone groups from the stem; an adapter group in front shifts the index.
            _ => new FineTunePlan(names, strategy == StrategyCatalog.FineTune && options.FreezeTo > 0 ? options.FreezeTo + (model.AdapterIndex is null ? 0 : 1) : 0),
        };
        var callbacks = new List<ITrainingCallback>();
        if (training.Patience is { } patience && plan is not GradualUnfreezePlan) callbacks.Add(new EarlyStopping(patience));
        using L2SpRegularizer? l2sp = strategy == StrategyCatalog.L2Sp ? new L2SpRegularizer(model, options.L2SpAlpha, options.L2SpBeta) : null;
        var trainer = new Trainer(model, training, device, progress);
        TrainingOutcome outcome = trainer.Fit(plan, trainStore, valStore, callbacks, l2sp);
        if (outcome.StopReason is not null) progress.Info($"stopped: {outcome.StopReason}");

        // 4. Record.
        var best = outcome.History.Best;
        // The validation score of the weights the model keeps (the best epoch, or the last with --keep-last).
        var kept = outcome.History.Epochs.FirstOrDefault(e => e.Epoch == outcome.RestoredEpoch) ?? best;
        (double loss, double accuracy)? keptScore = outcome.Averaged is { } averaged ? (averaged.ValLoss, averaged.ValAccuracy)
            : kept is null ? null : (kept.ValLoss, kept.ValAccuracy);
        record.Set("epochs", outcome.History.Epochs)
              .Set("start", outcome.History.Start is { } start ? new { val_accuracy = Math.Round(start.ValAccuracy, 4), val_loss = Math.Round(start.ValLoss, 4), seconds = Math.Round(start.Seconds, 3) } : null)
              .Set("best_epoch", best?.Epoch)
              .Set("restored_epoch", outcome.RestoredEpoch)
              .Set("stop_reason", outcome.StopReason)
              .Set("val_accuracy", keptScore is { } score ? Math.Round(score.accuracy, 4) : null)
              .Set("val_loss", keptScore is { } scored ? Math.Round(scored.loss, 4) : null)
              .Set("weight_averaging", outcome.Averaged is { } a ? new { epochs = a.Epochs, val_accuracy = Math.Round(a.ValAccuracy, 4), val_loss = Math.Round(a.ValLoss, 4) } : null)
              .Set("trainable_parameters", outcome.History.Epochs.Count > 0 ? outcome.History.Epochs.Max(e => e.TrainableParameters) : 0)
              .Set("group_learning_rates", names.Zip(Trainer.GroupRates(model, training)).ToDictionary(p => p.First, p => p.Second))
              .Set("training_options", training)
              .Set("l2sp", l2sp is null ? null : new { alpha = options.L2SpAlpha, beta = options.L2SpBeta });
        if (plan is GradualUnfreezePlan unfreeze) record.Set("unfreeze_stages", unfreeze.Stages);
        if (outcome.Failure is not null) record.Set("failure", outcome.Failure.Message);

        // 5. Test.
        Test(model, testStore, train.ClassNames, device, options, record);
        return Outcome(model, valStore, device, options);
    }

    /// <summary>The model with its held-out predictions on the validation split (calibration and label-shift estimation start from them).</summary>
    private static NetworkOutcome Outcome(TransferModel model, ImageStore valStore, Device device, FitOptions options) =>
        new(model, valStore.Labels.data<long>().Select(l => (int)l).ToArray(), Evaluation.LogProbabilities(model, valStore, device, options.TestTimeAugmentation));

    private static void Test(TransferModel model, ImageStore? testStore, IReadOnlyList<string> classNames, Device device, FitOptions options, RunRecord record)
    {
        if (testStore is null) return;
        var report = Evaluation.Report(model, testStore, classNames, device, options.TestTimeAugmentation);
        record.Set("test_accuracy", Math.Round(report.Accuracy, 4)).Set("test_per_class_accuracy", report.PerClassAccuracy);
    }

    /// <summary>The fit loop's options for the chosen strategy: the user's values with strategy-appropriate defaults.</summary>
    public static TrainingOptions Defaults(FitOptions options)
    {
        TrainingOptions t = options.Training with { Seed = options.Seed };
        if (options.Epochs is { } epochs) t = t with { Epochs = epochs };
        bool batchNormOnly = options.Strategy == StrategyCatalog.BatchNormOnly;
        t = t with
        {
            LearningRate = options.LearningRate ?? (batchNormOnly ? 1e-2 : t.LearningRate),
            LrSpread = options.LrSpread ?? (batchNormOnly || options.Strategy == StrategyCatalog.Scratch ? 1 : t.LrSpread),
            AdapterRateMultiplier = options.AdapterRateMultiplier ?? t.AdapterRateMultiplier,
            FreezeBatchNormStatistics = options.FreezeBatchNormStatistics ?? (t.FreezeBatchNormStatistics || options.Strategy == StrategyCatalog.LinearProbeThenFineTune),
            // The strategies that start from a fitted head keep it unless an epoch beats it on validation.
            ScoreStart = t.ScoreStart || options.Strategy is StrategyCatalog.LinearProbeThenFineTune or StrategyCatalog.AdaBatchNorm or StrategyCatalog.GradualUnfreeze,
        };
        return options.Strategy switch
        {
            // Feature extraction through the channel pipeline: a head (and adapter) on the frozen backbone, no augmentation;
            // a linear head's usual rate (1e-2) and the adapter at 30x that (measured on the multispectral bench).
            StrategyCatalog.FeatureExtraction => t with
            {
                Augmentation = AugmentationOptions.Off, LrSpread = 1, LearningRate = options.LearningRate ?? 1e-2,
                AdapterRateMultiplier = options.AdapterRateMultiplier ?? 30,
            },
            // From scratch: no pretrained prior to protect: one rate for all groups.
            StrategyCatalog.Scratch => t with { LayerDecay = null },
            // Gradual unfreezing decides its own stage lengths: a constant rate within stages.
            StrategyCatalog.GradualUnfreeze => t with { Schedule = ScheduleKind.Constant, Patience = t.Patience ?? 2, Epochs = options.Epochs ?? 30 },
            _ => t,
        };
    }

    /// <summary>
    /// The channel pipeline: per-channel statistics from the training split, the adapter applied to the network, every
    /// store told how to prepare its batches; and what was done, in the run record.
    /// </summary>
    private static void ChannelPipeline(Backbone backbone, ImageStore trainStore, ImageStore valStore, ImageStore? testStore, FitOptions options,
        RunRecord record, bool frozenBackbone)
    {
        int count = (int)trainStore.Pixels.shape[1];
        if (options.Adapter == Adapters.AdapterKind.Replicate && count > 3)
            record.Set("adapter_warning", $"replicate keeps the first 3 of {count} channels; weight-sum or conv1x1 use all of them");
        var input = new Adapters.ChannelInput(options.Adapter, Adapters.ChannelInput.Measure(trainStore.Pixels), Adapters.ChannelInput.TargetScaleFor(backbone));
        foreach (var store in new[] { trainStore, valStore, testStore }) if (store is not null) store.ChannelInput = input;
        Adapters.InputAdapters.Apply(backbone, options.Adapter, count);
        string path = options.Adapter == Adapters.AdapterKind.Conv1x1 && frozenBackbone
            ? "no feature caching: the conv1x1 adapter trains in front of the frozen backbone, so every step runs the backbone forward and backward (for the adapter's gradient) without weight gradients"
            : frozenBackbone ? "frozen features computed once (in memory), logistic-regression head fitted on them" : "trained end to end";
        record.Set("adapter", new
        {
            kind = Adapters.InputAdapters.NameOf(options.Adapter), channels = count, network_input_channels = backbone.Network.InputChannels,
            channel_mean = input.Statistics.Mean, channel_std = input.Statistics.Std, target_scale = input.TargetScale, feature_path = path,
        });
    }

    private static void CheckSplit(ImageStore trainStore, ImageStore valStore, IReadOnlyList<string> classNames)
    {
        long[] trainCounts = bincount(trainStore.Labels, minlength: classNames.Count).data<long>().ToArray();
        long[] valCounts = bincount(valStore.Labels, minlength: classNames.Count).data<long>().ToArray();
        for (int c = 0; c < classNames.Count; c++)
            if (trainCounts[c] == 0 || valCounts[c] == 0)
                throw new DataException($"class '{classNames[c]}' has {trainCounts[c]} training and {valCounts[c]} validation images after the split; each needs at least one.");
    }

    /// <summary>
    /// The naive baseline of LP-FT's first stage (<see cref="FitOptions.Naive"/>): the head trained for a few epochs through
    /// the whole frozen network, which recomputes every feature every epoch.
    /// </summary>
    private static void TrainHeadNaively(TransferModel model, ImageStore trainStore, ImageStore valStore, TrainingOptions training, FitOptions options,
        Device device, RunRecord record, IProgressSink progress)
    {
        var probeTraining = training with { ScoreStart = false, Epochs = options.NaiveProbeEpochs, LearningRate = 1e-2, LrSpread = 1, LayerDecay = null, Augmentation = AugmentationOptions.Off, AverageLastEpochs = null, MixupAlpha = 0, Patience = null };
        var plan = new FineTunePlan(model.Groups.Select(g => g.Name).ToList(), model.HeadIndex);
        TrainingOutcome probe = new Trainer(model, probeTraining, device, progress).Fit(plan, trainStore, valStore, Array.Empty<ITrainingCallback>());
        record.Set("linear_probe", new
        {
            naive = true, epochs = probe.History.Epochs, val_accuracy = Math.Round(probe.History.Best?.ValAccuracy ?? double.NaN, 4),
            seconds = Math.Round(probe.History.Epochs.Sum(e => e.Seconds), 2),
        });
    }

    /// <summary>LP-FT's first stage: a linear probe on the frozen (possibly AdaBN-adapted) features, folded into the head.</summary>
    private static void InitializeHeadByLinearProbe(TransferModel model, ImageStore trainStore, ImageStore valStore, FitOptions options, Device device,
        RunRecord record, IProgressSink progress)
    {
        using var scope = NewDisposeScope();
        // LP-FT fine-tunes everything from this head: features centred and scaled by one number, not per feature (a
        // per-feature scale amplifies the drift of units that hardly vary on the probe's images: on Fashion-MNIST at 100
        // per class, with frozen BatchNorm statistics, the first fine-tuning epoch fell from 0.81 to 0.65 validation accuracy
        // with it, to 0.73 without).
        bool continues = options.Strategy == StrategyCatalog.LinearProbeThenFineTune;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string engine = Evaluation.FrozenEngine(model, device);
        Tensor trainX = Evaluation.Features(model, trainStore, device, progress, "train");
        Tensor valX = Evaluation.Features(model, valStore, device, progress, "validation");
        var probe = LinearProbe.Fit(trainX, trainStore.Labels, valX, valStore.Labels, model.Head.Classes,
            new LinearProbeOptions { Seed = options.Seed, RefitOnAll = false, PerFeatureScale = !continues }, progress);
        using (var _ = no_grad())
        {
            foreach (var (name, tensor) in probe.Head.state_dict()) model.Head.state_dict()[name].copy_(tensor);
        }
        record.Set("linear_probe", new { weight_decay = probe.WeightDecay, feature_scale = continues ? "global" : "per-feature", val_accuracy = Math.Round(probe.ValidationAccuracy, 4), features_engine = engine, seconds = Math.Round(watch.Elapsed.TotalSeconds, 2) });
        probe.Head.Dispose();
    }
}

/// <summary>Evaluation helpers over decoded stores.</summary>
public static class Evaluation
{
    /// <summary>
    /// Pooled backbone features of every image of a store (eval mode, no autograd). While the backbone still holds the
    /// file's weights (<see cref="Backbone.IsPristine"/>) and runs on the CPU, ONNX Runtime runs it (faster; outputs
    /// agree with TorchSharp's to ~1e-5, tested).
    /// </summary>
    public static Tensor Features(TransferModel model, ImageStore store, Device device, IProgressSink progress, string label)
    {
        model.Train(false);
        var parts = new List<Tensor>();
        using var _ = no_grad();
        bool onnx = FrozenEngine(model, device) == "onnxruntime";
        using var task = progress.Begin($"{label}: extracting features{(onnx ? " (ONNX Runtime)" : "")}", store.Count);
        for (int start = 0; start < store.Count; start += 32)
        {
            using var scope = NewDisposeScope();
            Tensor index = arange(start, Math.Min(start + 32, store.Count), dtype: ScalarType.Int64);
            Tensor input = store.Batch(model.Backbone, index, device);
            Tensor features = onnx && input.shape[1] == 3
                ? tensor(model.Backbone.OnnxRuntime.Features(input), new long[] { input.shape[0], model.Backbone.FeatureWidth })
                : model.Backbone.Features(input).cpu();
            parts.Add(features.MoveToOuterDisposeScope());
            task.Advance(index.shape[0]);
        }
        Tensor all = cat(parts.ToArray(), 0);
        foreach (var p in parts) p.Dispose();
        return all;
    }

    /// <summary>What runs a frozen pass of <paramref name="model"/>'s backbone: "onnxruntime" while it is pristine and on the CPU, else "torch".</summary>
    public static string FrozenEngine(TransferModel model, Device device) =>
        model.Backbone.RunsOnOnnxRuntime(device) ? "onnxruntime" : "torch";

    /// <summary>Log-softmax outputs of every image of a store (with the mirror image's logits averaged in when asked), on the CPU.</summary>
    public static double[][] LogProbabilities(TransferModel model, ImageStore store, Device device, bool mirrorToo = false)
    {
        model.Train(false);
        var rows = new List<double[]>();
        using var _ = no_grad();
        for (int start = 0; start < store.Count; start += 64)
        {
            using var scope = NewDisposeScope();
            Tensor index = arange(start, Math.Min(start + 64, store.Count), dtype: ScalarType.Int64);
            Tensor logits = model.Forward(store.Batch(model.Backbone, index, device));
            if (mirrorToo) logits = (logits + model.Forward(store.Batch(model.Backbone, index, device, mirror: true))) / 2;
            int k = (int)logits.shape[1];
            double[] flat = nn.functional.log_softmax(logits.to(ScalarType.Float64), 1).cpu().data<double>().ToArray();
            for (int r = 0; r < index.shape[0]; r++) rows.Add(flat.AsSpan(r * k, k).ToArray());
        }
        return rows.ToArray();
    }

    /// <summary>Predicted class of every image of a store.</summary>
    public static long[] Predict(TransferModel model, ImageStore store, Device device, bool mirrorToo = false) =>
        LogProbabilities(model, store, device, mirrorToo).Select(row => (long)Analysis.LabelShift.ArgMax(row)).ToArray();

    /// <summary>Accuracy, per-class accuracy and confusion on a store.</summary>
    public static ClassificationReport Report(TransferModel model, ImageStore store, IReadOnlyList<string> classNames, Device device, bool mirrorToo = false) =>
        ClassificationReport.From(store.Labels.data<long>().ToArray(), Predict(model, store, device, mirrorToo), classNames);
}
