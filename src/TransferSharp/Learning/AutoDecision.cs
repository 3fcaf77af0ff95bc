using System.Diagnostics;
using TransferSharp.Analysis;
using TransferSharp.Backbones;
using TransferSharp.Progress;
using TransferSharp.Strategies;
using TransferSharp.Strategies.Auto;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Training;

namespace TransferSharp.Learning;

/// <summary>
/// How auto turns advice into a strategy: the advised input size, then the advised strategy, unless a pilot of one of
/// its two alternatives beats it on validation by more than one standard error of the difference.
/// </summary>
public static class AutoDecision
{
    /// <summary>The pilot rule, as recorded.</summary>
    public const string Rule =
        "an alternative replaces the advised strategy only when its validation accuracy is higher "
        + "by more than one standard error of the difference, sqrt((a(1-a) + b(1-b)) / n) on n validation images; "
        + "pilot "
        + "scores closer than that are noise";

    /// <summary>Under auto without a size: the advised input size (from the images' size, measured once).</summary>
    public static LearnerOptions WithAdvisedSize(
        LearnerOptions options,
        int? imageSide,
        IProgress<ProgressUpdate>? progress
    )
    {
        if (options.Strategy is not AutoOptions || options.Model.Size is not null)
            return options;
        if (
            StrategyAdvisor.InputSizeFor(
                imageSide,
                Registry.Get(options.Model.Backbone, options.Model.Preprocessing).InputSize
            )
            is not { } size
        )
            return options;
        progress.Info($"strategy auto: input size {size} px");
        return options with { Model = options.Model with { Size = size } };
    }

    /// <summary>Under auto, the input adapter advised for <paramref name="strategy"/> unless one was asked for
    /// (replicate is the default).</summary>
    public static LearnerOptions WithAdvisedAdapter(
        LearnerOptions options,
        Advice advice,
        StrategyDescriptor strategy
    ) =>
        options.Model.Adapter == Adapters.AdapterKind.Replicate
            ? options with
            {
                Model = options.Model with { Adapter = Adapters.InputAdapters.Parse(advice.AdapterFor(strategy)) },
            }
            : options;

    /// <summary>
    /// Under auto, a network strategy trains without random flips when the advice says some class faces one way
    /// (<see cref="Advice.RandomFlips"/>: a mirrored training image of it is one the task never shows), unless <see
    /// cref="AutoOptions.FollowFlipAdvice"/> is off; and without pad-and-crop's shifts when it finds the images aligned
    /// (<see cref="Advice.RandomShifts"/>), unless <see cref="AutoOptions.FollowShiftAdvice"/> is off.
    /// </summary>
    public static LearnerOptions WithAdvisedAugmentation(LearnerOptions options, AutoOptions auto, Advice advice)
    {
        var augmentation = options.Training.Augmentation;
        if (auto.FollowFlipAdvice && advice.RandomFlips == false && augmentation.HorizontalFlip)
            augmentation = augmentation with { HorizontalFlip = false };
        // Aligned images: pad-and-crop's shifts show the network images the task never has (Advice.RandomShifts).
        if (auto.FollowShiftAdvice && advice.RandomShifts == false && augmentation.Crop == CropKind.PadCrop)
            augmentation = augmentation with { Crop = CropKind.None };
        return augmentation == options.Training.Augmentation
            ? options
            : options with
            {
                Training = options.Training with { Augmentation = augmentation },
            };
    }

    /// <summary>The advised strategy, or a pilot's winner; the pilots run when asked and the validation split
    /// allows.</summary>
    public static Decision Decide(
        LearnerOptions options,
        AutoOptions auto,
        Advice advice,
        int validationImages,
        IProgress<ProgressUpdate>? progress,
        CancellationToken cancellation
    )
    {
        StrategyDescriptor chosen = advice.Strategy;
        PilotReport? record = null;
        var pilots = new Dictionary<string, FitResult>();
        if (auto.Pilot && validationImages >= auto.PilotMinimumValidation)
            (chosen, record) = RunPilots(options, auto, advice, validationImages, pilots, progress, cancellation);
        else if (auto.Pilot)
        {
            string reason =
                $"the validation split has {validationImages} images, fewer than {auto.PilotMinimumValidation}: "
                + $"too few to rank the candidates (an accuracy on {validationImages} images has a standard error near "
                + $"{100 * Math.Sqrt(0.16 / Math.Max(1, validationImages)):F0} points)";
            record = new PilotReport { Skipped = reason };
            progress.Info($"pilots skipped: {reason}; the advised strategy runs");
        }
        LearnerOptions resolved = Chosen(options, auto, chosen, advice);
        resolved.Validate();
        var features = resolved.Strategy switch
        {
            FeatureExtractionOptions { Features: { } layers } => $" on {string.Join(",", layers)} features",
            FineTuningOptions { Features: { } layers } tuning =>
                $", its head on {string.Join(",", layers)} (grid {tuning.FeatureGrid})",
            _ => "",
        };
        progress.Info($"strategy auto: {chosen.Name}{features}. {advice.Explanation}");
        return new Decision(resolved, chosen, chosen.Create(resolved.Strategy), advice, record, pilots);
    }

    /// <summary>
    /// Which pilot wins: the advised strategy (index 0) unless another candidate's validation accuracy beats it by more
    /// than <see cref="PilotMargin"/> (then the most accurate of those). An accuracy on n images moves by
    /// sqrt(p(1-p)/n) from chance alone: a pilot that wins by less is as likely luck as skill, and the advice stands. A
    /// failed advised pilot (NaN) gives way to the most accurate of the others.
    /// </summary>
    public static int PilotWinner(IReadOnlyList<double> accuracies, int validationImages)
    {
        if (double.IsNaN(accuracies[0]))
            return Enumerable
                .Range(0, accuracies.Count)
                .Where(i => !double.IsNaN(accuracies[i]))
                .DefaultIfEmpty(0)
                .MaxBy(i => accuracies[i]);
        int best = 0;
        for (int i = 1; i < accuracies.Count; i++)
            if (
                !double.IsNaN(accuracies[i])
                && accuracies[i] > accuracies[best]
                && accuracies[i] - accuracies[0] > PilotMargin(accuracies[0], accuracies[i], validationImages)
            )
                best = i;
        return best;
    }

    /// <summary>One standard error of the difference of two accuracies <paramref name="a"/> and <paramref name="b"/> on
    /// <paramref name="n"/> images.</summary>
    public static double PilotMargin(double a, double b, int n) =>
        Math.Sqrt((a * (1 - a) + b * (1 - b)) / Math.Max(1, n));

    /// <summary>
    /// The options once <paramref name="strategy"/> is chosen: the adapter advised for it (unless one was asked for);
    /// a network strategy the advised flips and shifts (<see cref="WithAdvisedAugmentation"/>), and a fine-tuning
    /// strategy's head the layers given, or else the advised intermediate group (<see cref="Advice.HeadLayers"/>);
    /// feature extraction takes the advised feature layers (unless given) and keeps its own head fit (auto's epochs are
    /// the network strategies' length).
    /// </summary>
    public static LearnerOptions Chosen(
        LearnerOptions options,
        AutoOptions auto,
        StrategyDescriptor strategy,
        Advice advice
    )
    {
        options = WithAdvisedAdapter(options, advice, strategy);
        if (options.Data.FeaturesFrom is not null)
            options = options with { Data = options.Data with { FeaturesFromRequired = false } };
        if (strategy != StrategyRegistry.FeatureExtraction)
            return WithAdvisedAugmentation(options, auto, advice) with
            {
                Strategy = WithAdvisedHead(strategy, auto, advice),
            };
        var features = new FeatureExtractionOptions
        {
            Features = auto.Features ?? advice.FeatureLayers,
            FeatureGrid = auto.FeatureGrid,
            HeadSteps = auto.HeadSteps,
            HeadSolver = auto.HeadSolver,
            Precision = auto.FrozenPrecision,
        };
        return options with { Strategy = features, Training = options.Training with { Epochs = null } };
    }

    // A fine-tuning strategy's head reads the layers named, on the grid asked for, as it does when the strategy is
    // named and under the presets; else the advised intermediate group on a 2 x 2 grid (or the grid asked for): it
    // starts from the better features, and the later groups cost nothing (the suite's 100-per-class tasks: LP-FT from
    // stage3 on a 2 x 2 grid +1.45 points on average, 1.7-2.7x faster).
    private static StrategyOptions WithAdvisedHead(StrategyDescriptor strategy, AutoOptions auto, Advice advice) =>
        strategy.DefaultOptions() switch
        {
            FineTuningOptions tuning when auto.Features is { } named => tuning with
            {
                Features = named,
                FeatureGrid = auto.FeatureGrid,
            },
            FineTuningOptions tuning when advice.HeadLayers is { } layers => tuning with
            {
                Features = layers,
                FeatureGrid = auto.FeatureGrid > 1 ? auto.FeatureGrid : 2,
            },
            var other => other,
        };

    private static (StrategyDescriptor winner, PilotReport record) RunPilots(
        LearnerOptions options,
        AutoOptions auto,
        Advice advice,
        int validationImages,
        Dictionary<string, FitResult> pilots,
        IProgress<ProgressUpdate>? progress,
        CancellationToken cancellation
    )
    {
        var candidates = new[] { advice.Strategy }.Concat(advice.Alternatives).Distinct().Take(3).ToList();
        int networkPilots = candidates.Count(c => c != StrategyRegistry.FeatureExtraction);
        var results =
            new List<(StrategyDescriptor strategy, double accuracy, double seconds, LearnerOptions options)>();
        var watch = Stopwatch.StartNew();
        foreach (StrategyDescriptor candidate in candidates)
        {
            LearnerOptions pilot = PilotOptions(options, auto, candidate, advice, networkPilots);
            progress.Info($"pilot {results.Count + 1}/{candidates.Count}: {candidate.Name}");
            var pilotWatch = Stopwatch.StartNew();
            FitResult result = new TransferLearner(pilot).Fit(progress, cancellation);
            pilots[candidate.Name] = result;
            double accuracy = result.Report.ValAccuracy ?? double.NaN;
            results.Add((candidate, accuracy, pilotWatch.Elapsed.TotalSeconds, pilot));
            progress.Info(
                $"pilot {candidate.Name}: val accuracy {accuracy:F4} in {pilotWatch.Elapsed.TotalSeconds:F1} s"
            );
        }
        var winner = results[PilotWinner(results.Select(r => r.accuracy).ToList(), validationImages)];
        double advised = results[0].accuracy;
        var record = new PilotReport
        {
            Candidates = results
                .Select(
                    (r, i) =>
                        new PilotCandidate(
                            r.strategy.Name,
                            Math.Round(r.accuracy, 4),
                            Math.Round(r.seconds, 2),
                            r.options.Training.Epochs,
                            Math.Round(r.options.Data.TrainFraction, 3),
                            i == 0 || double.IsNaN(advised)
                                ? null
                                : Math.Round(PilotMargin(advised, r.accuracy, validationImages), 4)
                        )
                )
                .ToList(),
            Winner = winner.strategy.Name,
            ValidationImages = validationImages,
            Seconds = Math.Round(watch.Elapsed.TotalSeconds, 2),
            Folder = "pilot",
            Rule = Rule,
        };
        if (winner.strategy != results[0].strategy || results.Any(r => r.accuracy > advised))
            progress.Info(
                winner.strategy == results[0].strategy
                    ? $"pilots: {results[0].strategy.Name} kept: no alternative beats its {advised:F4} by more than "
                        + $"the noise "
                        + $"of {validationImages} validation images"
                    : $"pilots: {winner.strategy.Name} ({winner.accuracy:F4}) replaces {results[0].strategy.Name} "
                        + $"({advised:F4})"
            );
        return (winner.strategy, record);
    }

    /// <summary>
    /// A pilot's options: no test set; a network pilot runs for at most the pilot epochs, and the network pilots
    /// together see at most <see cref="AutoOptions.PilotBudget"/> of the full run's image-steps (a stratified share of
    /// the training split when the full run is short).
    /// </summary>
    private static LearnerOptions PilotOptions(
        LearnerOptions options,
        AutoOptions auto,
        StrategyDescriptor candidate,
        Advice advice,
        int networkPilots
    )
    {
        LearnerOptions pilot = Chosen(options, auto, candidate, advice);
        // Pilots keep no checkpoints: a resume re-runs them (deterministically) before the final fit's checkpoint.
        pilot = pilot with
        {
            Data = pilot.Data with { Test = null },
            Checkpoints = null,
        };
        if (candidate == StrategyRegistry.FeatureExtraction)
            return pilot;
        int fullEpochs = candidate.Create(pilot.Strategy).Settings(pilot.Training, pilot.Seed).Epochs;
        int epochs = Math.Min(auto.PilotEpochs, fullEpochs);
        double fraction = Math.Min(1.0, AutoOptions.PilotBudget * fullEpochs / (networkPilots * epochs));
        return pilot with
        {
            Training = pilot.Training with { Epochs = epochs },
            Data = pilot.Data with { TrainFraction = fraction },
        };
    }
}
