using System.Diagnostics;
using TorchSharp;
using TransferSharp.Progress;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Strategies;

/// <summary>
/// The one applier of network strategies: decodes the splits once, builds the model, offers the starting points a
/// strategy asks for (random weights, AdaBN statistics, a linear probe), runs the fit loop with the strategy's plan,
/// callbacks and regularizer, and records and tests the result.
/// </summary>
public sealed class NetworkSession : IDisposable
{
    private readonly StrategyRun run;
    private readonly TransferStrategy strategy;

    private NetworkSession(
        StrategyRun run,
        TransferStrategy strategy,
        DecodedSplits splits,
        TransferModel model,
        TrainingSettings settings,
        TrainingReport report
    )
    {
        this.run = run;
        this.strategy = strategy;
        Splits = splits;
        Model = model;
        Settings = settings;
        Report = report;
    }

    /// <summary>The decoded training, validation and test images.</summary>
    public DecodedSplits Splits { get; }

    /// <summary>The model: the run's backbone and a new head.</summary>
    public TransferModel Model { get; }

    /// <summary>The loop's settings (the strategy's defaults applied).</summary>
    public TrainingSettings Settings { get; }

    /// <summary>The record so far.</summary>
    public TrainingReport Report { get; set; }

    /// <summary>Trains <paramref name="strategy"/> on <paramref name="run"/>: start, plan, loop, record,
    /// test.</summary>
    public static StrategyOutcome Train(StrategyRun run, TransferStrategy strategy)
    {
        using var session = Open(run, strategy);
        strategy.Start(session);
        return session.TrainWithPlan();
    }

    /// <summary>Decodes the splits (through the channel pipeline when the run needs it) and builds the model.</summary>
    public static NetworkSession Open(StrategyRun run, TransferStrategy strategy)
    {
        var splits = DecodedSplits.Load(run);
        try
        {
            var report = new TrainingReport { SkippedImages = splits.Skipped };
            if (run.UsesChannelPipeline)
                report = splits.ApplyChannelPipeline(run, strategy.FreezesBackbone, report);
            var head = new ClassifierHead(run.Backbone.FeatureWidth, run.Data.ClassNames.Count);
            if (run.Device.type != DeviceType.CPU)
            {
                // Before the model is built: moving replaces parameter objects, and layer groups hold parameters.
                run.Backbone.Network.to(run.Device);
                head.to(run.Device);
            }
            var model = new TransferModel(run.Backbone, head) { ChannelInput = splits.Train.ChannelInput };
            TrainingSettings settings = strategy.Settings(run.Training, run.Seed);
            if (settings.Precision == TrainingPrecision.Auto)
            {
                var precision = strategy.FreezesBackbone
                    ? PrecisionCheck.Fp32("the backbone does not train", PrecisionCheck.CpuHasBf16)
                    : PrecisionCheck.Resolve(model, splits.Train, run.Device, PrecisionCheck.CpuHasBf16);
                run.Progress.Info(
                    $"precision: {precision.Used}"
                        + (
                            precision.Reason is { } reason
                                ? $" ({reason})"
                                : $" (bf16's gradient error {precision.GradientError:F3} against a minibatch noise "
                                    + $"of {precision.MinibatchNoise:F3}, {precision.CheckImages} training images)"
                        )
                );
                bool bf16 = precision.Used == "bf16";
                settings = settings with { Precision = bf16 ? TrainingPrecision.Bf16 : TrainingPrecision.Fp32 };
                report = report with { TrainingPrecision = precision };
            }
            return new NetworkSession(run, strategy, splits, model, settings, report);
        }
        catch
        {
            splits.Dispose();
            throw;
        }
    }

    /// <summary>Random re-initialisation of the backbone (the from-scratch baseline).</summary>
    public void Reinitialize() => BatchNormTools.Reinitialize(run.Backbone, run.Seed);

    /// <summary>AdaBN: BatchNorm statistics re-estimated on the training images.</summary>
    public void ReestimateBatchNorm() =>
        Report = Report with
        {
            AdabnLayers = BatchNormTools.ReestimateStatistics(Model, Splits.Train, run.Device, run.Progress),
        };

    /// <summary>
    /// A linear probe on the frozen features, folded into the head. <paramref name="perFeatureScale"/> false: features
    /// centred and scaled by one number, for a head that fine-tuning continues from (a per-feature scale amplifies the
    /// drift of units that hardly vary on the probe's images).
    /// </summary>
    public void FitHeadByLinearProbe(bool perFeatureScale)
    {
        using var scope = NewDisposeScope();
        var watch = Stopwatch.StartNew();
        string engine = ModelEvaluation.FrozenEngine(Model, run.Device);
        Tensor trainX = ModelEvaluation.Features(Model, Splits.Train, run.Device, run.Progress, "train");
        Tensor valX = ModelEvaluation.Features(Model, Splits.Validation, run.Device, run.Progress, "validation");
        // Adam's fixed steps, as LP-FT was measured with: its early stop keeps the head's weights small, and
        // fine-tuning starts from them (the advisor's suite ranks LP-FT with this probe; a converged one is untested).
        var options = new LinearProbeOptions
        {
            Solver = HeadSolver.Adam,
            Seed = run.Seed,
            RefitOnAll = false,
            PerFeatureScale = perFeatureScale,
        };
        LinearProbeResult fitted = LinearProbe.Fit(
            trainX,
            Splits.Train.Labels,
            valX,
            Splits.Validation.Labels,
            Model.Head.Classes,
            options,
            run.Progress,
            run.Cancellation
        );
        using (var _ = no_grad())
        {
            foreach (var (name, tensor) in fitted.Head.state_dict())
                Model.Head.state_dict()[name].copy_(tensor);
        }
        fitted.Head.Dispose();
        Report = Report with
        {
            LinearProbe = new LinearProbeSummary
            {
                WeightDecay = fitted.WeightDecay,
                FeatureScale = perFeatureScale ? "per-feature" : "global",
                ValAccuracy = Math.Round(fitted.ValidationAccuracy, 4),
                FeaturesEngine = engine,
                Seconds = Math.Round(watch.Elapsed.TotalSeconds, 2),
            },
        };
    }

    /// <summary>
    /// The naive baseline of a linear probe: the head trained for <paramref name="epochs"/> epochs through the whole
    /// frozen network, which recomputes every feature every epoch.
    /// </summary>
    public void TrainHeadNaively(int epochs)
    {
        TrainingOutcome probe = TrainHeadStage(HeadStageSettings(epochs) with { ScoreStart = false });
        Report = Report with
        {
            LinearProbe = new LinearProbeSummary
            {
                Naive = true,
                Epochs = probe.History.Epochs,
                ValAccuracy = Math.Round(probe.History.Best?.ValAccuracy ?? double.NaN, 4),
                Seconds = Math.Round(probe.History.Epochs.Sum(e => e.Seconds), 2),
            },
        };
    }

    /// <summary>
    /// A conv1x1 adapter fitted with the head on the frozen backbone, by feature extraction's recipe (head 1e-2,
    /// adapter 30x, no augmentation), for <see cref="TrainingSettings.AdapterEpochs"/> epochs, the best on validation
    /// kept (the start included). LP-FT calls it before it moves the backbone: fine-tuned while the adapter still
    /// replicates its first bands, the backbone adapts to the wrong channels. Nothing happens without a learnable
    /// adapter.
    /// </summary>
    public void FitAdapterFirst()
    {
        if (Model.AdapterIndex is null || Settings.AdapterEpochs == 0)
            return;
        // Checkpoints are the fine-tuning's, written after this stage: a resumed run restores its adapter from them.
        if (run.Checkpoints is { Resuming: true })
        {
            run.Progress.Info("adapter stage: done before the checkpoint; its weights come back with it");
            return;
        }
        var stageSettings = HeadStageSettings(Settings.AdapterEpochs) with
        {
            ScoreStart = true,
            AdapterRateMultiplier = AdapterStageRateMultiplier,
            RestoreBest = true,
        };
        var watch = Stopwatch.StartNew();
        run.Progress.Info(
            $"adapter stage: the conv1x1 adapter and the head on the frozen backbone, {stageSettings.Epochs} epochs"
        );
        // The adapter trains with the head (AdapterTrainsWithHead).
        TrainingOutcome stage = TrainHeadStage(stageSettings);
        EpochResult? kept = stage.History.Epochs.FirstOrDefault(e => e.Epoch == stage.RestoredEpoch);
        double accuracy = kept?.ValAccuracy ?? stage.History.Start?.ValAccuracy ?? double.NaN;
        Report = Report with
        {
            AdapterStage = new AdapterStageSummary(
                stage.History.Epochs,
                stage.RestoredEpoch,
                Math.Round(accuracy, 4),
                HeadStageRate,
                AdapterStageRateMultiplier,
                Math.Round(watch.Elapsed.TotalSeconds, 2)
            ),
        };
    }

    // Feature extraction's conv1x1 recipe (bench/README.md, "Input adapters": 1e-2 and 30x, 0.918 on the
    // multispectral task where the head at 1e-3 reached 0.774 at best).
    private const double HeadStageRate = 1e-2;
    private const double AdapterStageRateMultiplier = 30;

    // A head stage on the frozen backbone: the head (and a learnable adapter) at 1e-2, constant across groups, no
    // augmentation, averaging, mixup or early stop.
    private TrainingSettings HeadStageSettings(int epochs) =>
        Settings with
        {
            Epochs = epochs,
            LearningRate = HeadStageRate,
            LrSpread = 1,
            LayerDecay = null,
            Augmentation = AugmentationOptions.Off,
            AverageLastEpochs = null,
            MixupAlpha = 0,
            Patience = null,
        };

    private TrainingOutcome TrainHeadStage(TrainingSettings stage) =>
        new Trainer(Model, stage, run.Device, run.Progress, run.Cancellation).Fit(
            new FineTunePlan(Model.Groups.Select(g => g.Name).ToList(), Model.HeadIndex),
            Splits.Train,
            Splits.Validation
        );

    /// <summary>Mean loss and accuracy of the model on the validation split.</summary>
    public (double loss, double accuracy) EvaluateValidation() =>
        new Trainer(Model, Settings, run.Device, run.Progress, run.Cancellation).Evaluate(Splits.Validation);

    /// <summary>Trains with the strategy's plan, callbacks and regularizer, then records and tests.</summary>
    public StrategyOutcome TrainWithPlan()
    {
        var names = Model.Groups.Select(g => g.Name).ToList();
        IStrategyPlan plan = strategy.Plan(
            new PlanContext(names, Model.AdapterIndex, Splits.Validation.Count, Settings)
        );
        IRegularizer? regularizer = strategy.Regularizer(Model);
        try
        {
            var trainer = new Trainer(Model, Settings, run.Device, run.Progress, run.Cancellation, run.Checkpoints);
            TrainingOutcome outcome = trainer.Fit(
                plan,
                Splits.Train,
                Splits.Validation,
                strategy.Callbacks(Settings).ToList(),
                regularizer
            );
            if (outcome.StopReason is not null)
                run.Progress.Info($"stopped: {outcome.StopReason}");
            Report = strategy.Describe(Recorded(outcome, names), plan);
        }
        finally
        {
            (regularizer as IDisposable)?.Dispose();
        }
        return Finish();
    }

    /// <summary>Tests the model (when there is a test set) and returns it with its validation predictions.</summary>
    public StrategyOutcome Finish()
    {
        PredictionSet? test = Splits.Test is { } store ? Predictions(store) : null;
        if (test is not null)
        {
            var report = ClassificationReport.From(test, run.Data.ClassNames);
            Report = Report with
            {
                TestAccuracy = Math.Round(report.Accuracy, 4),
                TestPerClassAccuracy = report.PerClassAccuracy,
            };
        }
        return new StrategyOutcome(Model.Head, true, Model.ChannelInput, Predictions(Splits.Validation), test, Report);
    }

    private PredictionSet Predictions(ImageStore store) =>
        new(
            store.Ids.ToArray(),
            store.Labels.data<long>().Select(l => (int)l).ToArray(),
            ModelEvaluation.LogProbabilities(Model, store, run.Device, run.Model.TestTimeAugmentation)
        );

    /// <summary>Releases the decoded images (the model belongs to the caller).</summary>
    public void Dispose() => Splits.Dispose();

    private TrainingReport Recorded(TrainingOutcome outcome, IReadOnlyList<string> names)
    {
        var history = outcome.History;
        EpochResult? best = history.Best;
        // The validation score of the weights the model keeps (the best epoch, or the last one with --keep-last).
        EpochResult? kept = history.Epochs.FirstOrDefault(e => e.Epoch == outcome.RestoredEpoch) ?? best;
        (double loss, double accuracy)? score =
            outcome.Averaged is { } averaged ? (averaged.ValLoss, averaged.ValAccuracy)
            : kept is null ? null
            : (kept.ValLoss, kept.ValAccuracy);
        return Report with
        {
            Epochs = history.Epochs,
            Start = history.Start is { } s
                ? new StartScore(Math.Round(s.ValAccuracy, 4), Math.Round(s.ValLoss, 4), Math.Round(s.Seconds, 3))
                : null,
            BestEpoch = best?.Epoch,
            RestoredEpoch = outcome.RestoredEpoch,
            StopReason = outcome.StopReason,
            ValAccuracy = score is { } a ? Math.Round(a.accuracy, 4) : null,
            ValLoss = score is { } l ? Math.Round(l.loss, 4) : null,
            WeightAveraging = outcome.Averaged is { } w
                ? new WeightAveragingSummary(w.Epochs, Math.Round(w.ValAccuracy, 4), Math.Round(w.ValLoss, 4))
                : null,
            TrainableParameters = history.Epochs.Count > 0 ? history.Epochs.Max(e => e.TrainableParameters) : 0,
            GroupLearningRates = names
                .Zip(Trainer.GroupRates(Model, Settings))
                .ToDictionary(p => p.First, p => p.Second),
            Training = Settings,
            Failure = outcome.Failure?.Message,
        };
    }
}
