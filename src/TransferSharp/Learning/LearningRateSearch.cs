using TransferSharp.Backbones;
using TransferSharp.Engine;
using TransferSharp.IO;
using TransferSharp.Progress;
using TransferSharp.Strategies;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Learning;

/// <summary>
/// The learning-rate range test for a network strategy, on the same loop a fit runs (its starting point, plan,
/// freezing, adapter and device): a suggested rate, and lr-find.json and lr-find.png.
/// </summary>
public static class LearningRateSearch
{
    /// <summary>Sweeps the head's rate for <paramref name="options"/>' strategy on the training split.</summary>
    public static LearningRateSweep Run(
        LearnerOptions options,
        int steps = 100,
        IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellation = default
    )
    {
        var learner = new TransferLearner(options);
        if (
            options.Strategy is Strategies.Auto.AutoOptions
            || StrategyRegistry.Create(options.Strategy) is not TransferStrategy { FreezesBackbone: false } strategy
        )
            throw new OptionException(
                "strategy",
                StrategyRegistry.NameOf(options.Strategy),
                "the learning-rate sweep is for strategies that train the network; feature extraction chooses its own "
                    + "regularisation, and auto picks a strategy first."
            );
        Limits.Range("steps", steps, 10, Limits.MaximumEpochs);
        Device device = TorchRuntime.ResolveDevice(options.Model.Device);
        LearnerData data = learner.LoadData(progress) with { Test = null };
        manual_seed(options.Seed);
        using Backbone backbone = Backbone.Load(
            options.Model.Backbone,
            options.Model.Size,
            preprocessing: options.Model.Preprocessing
        );
        StrategyRun run = data.Run(options, backbone, device, progress, cancellation);
        using var session = NetworkSession.Open(run, strategy);
        strategy.Start(session);
        var names = session.Model.Groups.Select(g => g.Name).ToList();
        var plan = strategy.Plan(
            new PlanContext(names, session.Model.AdapterIndex, session.Splits.Validation.Count, session.Settings)
        );
        using var head = session.Model.Head;
        return LearningRateFinder.Run(
            session.Model,
            session.Splits.Train,
            plan,
            session.Settings,
            device,
            Array.Empty<ITrainingCallback>(),
            progress,
            steps,
            cancellation
        );
    }

    /// <summary>Writes lr-find.json and lr-find.png into <paramref name="folder"/>.</summary>
    public static void Save(LearningRateSweep sweep, LearnerOptions options, string folder)
    {
        string strategy = StrategyRegistry.NameOf(options.Strategy);
        TrainingSettings settings = StrategyRegistry.Create(options.Strategy).Settings(options.Training, options.Seed);
        PretrainedConfig backbone = Registry.Get(options.Model.Backbone, options.Model.Preprocessing);
        int size = options.Model.Size ?? backbone.InputSize;
        int groups = backbone.LayerGroups.Count + 1;
        Json.Write(
            Path.Combine(folder, "lr-find.json"),
            new
            {
                strategy,
                input_size = size,
                group_ratios = settings.GroupRates(groups).Select(r => r / settings.LearningRate),
                suggested_lr = sweep.Steepest,
                minimum_over_ten = sweep.MinimumOverTen,
                learning_rates = sweep.LearningRates,
                losses = sweep.Losses,
            }
        );
        Plots.Line(
            Path.Combine(folder, "lr-find.png"),
            $"lr-find ({strategy}, {size}px)",
            "log10(head learning rate)",
            "smoothed training loss",
            sweep.LearningRates.Select(Math.Log10).ToArray(),
            sweep.Losses,
            new[]
            {
                (Math.Log10(sweep.Steepest), $"steepest {sweep.Steepest:G2}"),
                (Math.Log10(sweep.MinimumOverTen), $"min/10 {sweep.MinimumOverTen:G2}"),
            }
        );
    }
}
