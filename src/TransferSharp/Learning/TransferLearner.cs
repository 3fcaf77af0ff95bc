using System.Diagnostics;
using TransferSharp.Analysis;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Engine;
using TransferSharp.Progress;
using TransferSharp.Strategies;
using TransferSharp.Strategies.Auto;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Learning;

/// <summary>
/// Transfer learning in small steps (fastai's Learner): data, then the decision (advice and pilots under auto), the
/// analyses, training and evaluation; <see cref="Fit"/> runs them all and returns the model with its typed report, in
/// memory. <see cref="FitResult.Save"/> writes the run folder.
/// </summary>
public sealed class TransferLearner
{
    /// <summary>A learner for <paramref name="options"/> (validated here, once).</summary>
    public TransferLearner(LearnerOptions options)
    {
        options.Validate();
        Options = options;
    }

    /// <summary>The options, as given.</summary>
    public LearnerOptions Options { get; }

    /// <summary>
    /// Under auto with a preset: called with each candidate that becomes the best so far, a complete result (the CLI
    /// saves it as the run folder, so that a stop by the limit, Ctrl-C or a kill keeps the best finished model).
    /// </summary>
    public Action<FitResult>? BestSoFar { get; init; }

    /// <summary>A preset's final pass: the kept frozen candidate's head fit, reused where the features and split
    /// match.</summary>
    internal Strategies.FeatureExtraction.FittedProbe? FittedProbe { get; init; }

    /// <summary>A preset's final pass: the domain distance the advice measured on these images, recorded instead of
    /// measured again.</summary>
    internal DomainDistanceResult? MeasuredDistance { get; init; }

    /// <summary>Runs every step.</summary>
    public FitResult Fit(IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        if (Options.Strategy is AutoOptions { Preset: not null } or AutoOptions { TimeLimit: not null })
            return PresetSearch.Run(this, (AutoOptions)Options.Strategy, progress, cancellation);
        var watch = Stopwatch.StartNew();
        Device device = TorchRuntime.ResolveDevice(Options.Model.Device);
        LearnerData data = LoadData(progress);
        CheckpointStore? checkpoints = OpenCheckpoints(data, progress);
        int? imageSide = Options.Strategy is AutoOptions ? AdviceMeasurements.ImageSide(data.Train) : null;
        LearnerOptions options = AutoDecision.WithAdvisedSize(Options, imageSide, progress);
        manual_seed(options.Seed);
        var backbone = Backbone.Load(
            options.Model.Backbone,
            options.Model.Size,
            preprocessing: options.Model.Preprocessing
        );
        try
        {
            foreach (string warning in backbone.Config.Warnings)
                progress.Info($"warning: {warning}");
            Decision decision = Decide(options, data, backbone, imageSide, progress, cancellation);
            checkpoints?.Decided(FitRequest.Of(decision.Options with { Checkpoints = null }, data));
            decision.Strategy.Configure(backbone, progress);
            LearnerAnalyses analyses = Analyse(decision.Options, data, backbone, device, progress);
            StrategyOutcome outcome = Train(decision, data, backbone, device, progress, cancellation, checkpoints);
            return FitResult.Assemble(decision, data, backbone, device, analyses, outcome, watch.Elapsed);
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    /// <summary>Loads the labelled and test images and splits the labelled ones (stratified, seeded).</summary>
    public LearnerData LoadData(IProgress<ProgressUpdate>? progress = null)
    {
        var (train, test) = DatasetLoader.LoadSplits(Options.Data);
        var (trainRows, validationRows) = StratifiedSplit.Split(
            train.Labels(),
            train.ClassNames,
            Options.Data.ValidationFraction,
            Options.Data.SplitSeed ?? Options.Seed
        );
        if (Options.Data.TrainFraction < 1)
        {
            // A stratified share of the training split (pilots); the validation split stays whole.
            var labels = trainRows.Select(i => train.Items[i].Label).ToList();
            int[] kept = StratifiedSplit
                .Split(labels, train.ClassNames, 1 - Options.Data.TrainFraction, Options.Seed)
                .train;
            trainRows = kept.Select(k => trainRows[k]).ToArray();
        }
        foreach (string leftOut in train.LeftOut.Concat(test?.LeftOut ?? []))
            progress.Info($"warning: {leftOut}");
        progress.Info(
            $"data: {train.Count} labelled images in {train.ClassNames.Count} classes ({trainRows.Length} "
                + $"train / {validationRows.Length} validation)"
                + (test is null ? "" : $", {test.Count} test images")
        );
        return new LearnerData(train, test, trainRows, validationRows);
    }

    /// <summary>
    /// The strategy to run: the one asked for, or under auto the advisor's (measured on the pretrained backbone), which
    /// pilots may replace when one wins beyond noise.
    /// </summary>
    public Decision Decide(
        LearnerOptions options,
        LearnerData data,
        Backbone backbone,
        int? imageSide,
        IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellation = default
    )
    {
        if (options.Strategy is not AutoOptions auto)
        {
            StrategyDescriptor descriptor = StrategyRegistry.Of(options.Strategy);
            var none = new Dictionary<string, FitResult>();
            return new Decision(options, descriptor, descriptor.Create(options.Strategy), null, null, none);
        }
        AdviceInputs inputs = AdviceMeasurements.Measure(backbone, data.Train, progress, imageSide: imageSide).inputs;
        Advice advice = StrategyAdvisor.Advise(inputs);
        return AutoDecision.Decide(options, auto, advice, data.ValidationRows.Length, progress, cancellation);
    }

    /// <summary>The analyses asked for, on the pretrained backbone (before training changes it).</summary>
    public LearnerAnalyses Analyse(
        LearnerOptions options,
        LearnerData data,
        Backbone backbone,
        Device device,
        IProgress<ProgressUpdate>? progress = null
    )
    {
        var sources = data.TrainRows.Select(i => data.Train.Items[i].Source).ToList();
        bool channelPipeline = StrategyRun.NeedsChannelPipeline(options.Model, data.Train);
        var (distance, summary) =
            !options.Analyses.DomainDistance ? (null, null)
            : MeasuredDistance is { } measured && !channelPipeline ? Measured(measured, progress)
            : Distance(options, sources, channelPipeline, backbone, device, progress);
        FilterReport? filters = options.Analyses.Filters ? FilterAnalysis.Analyse(backbone) : null;
        FrequencyReport? frequency = null;
        if (options.Analyses.Frequency && !channelPipeline)
        {
            frequency = FrequencyAnalysis.Analyse(backbone, sources, progress);
            progress.Info(frequency.Verdict);
        }
        return new LearnerAnalyses(
            distance,
            summary,
            filters,
            frequency,
            filters is null ? null : Grid(backbone, filters)
        );
    }

    /// <summary>Trains the decided strategy (testing on the test images when there are any).</summary>
    public StrategyOutcome Train(
        Decision decision,
        LearnerData data,
        Backbone backbone,
        Device device,
        IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellation = default,
        CheckpointStore? checkpoints = null
    ) =>
        decision.Strategy.Train(
            data.Run(decision.Options, backbone, device, progress, cancellation, checkpoints) with
            {
                FittedProbe = FittedProbe,
            }
        );

    /// <summary>The checkpoint store the options ask for: afresh, or continuing an interrupted fit of the same
    /// request.</summary>
    private CheckpointStore? OpenCheckpoints(LearnerData data, IProgress<ProgressUpdate>? progress)
    {
        if (Options.Checkpoints is not { } asked)
            return null;
        var store = CheckpointStore.Open(
            asked.Folder,
            asked.Resume,
            FitRequest.Of(Options, data),
            asked.WithinEpochEvery
        );
        if (store.Resuming)
            progress.Info($"resuming: the checkpoint in {store.Folder} has {store.EpochsDone} epochs done");
        else if (asked.Resume)
            progress.Info($"resuming: no epoch had ended ({store.Folder}); training from the beginning");
        return store;
    }

    /// <summary>The first-layer filters drawn while they are still the pretrained ones.</summary>
    private static byte[] Grid(Backbone backbone, FilterReport filters)
    {
        string path = Path.Combine(Path.GetTempPath(), $"transfersharp-filters-{Guid.NewGuid():N}.png");
        try
        {
            FilterAnalysis.WriteGrid(backbone, filters, path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (DomainDistanceResult distance, DomainDistanceSummary summary) Measured(
        DomainDistanceResult distance,
        IProgress<ProgressUpdate>? progress
    )
    {
        Tell(distance, progress);
        return (distance, DomainDistanceSummary.From(distance));
    }

    private static void Tell(DomainDistanceResult distance, IProgress<ProgressUpdate>? progress)
    {
        string groups = string.Join(", ", distance.PerGroup.Select(p => $"{p.Key} {p.Value:F3}"));
        progress.Info($"domain distance to the pretraining data: d = {distance.Overall:F3} ({groups})");
    }

    /// <summary>The domain distance on the training images, or why it is not measured.</summary>
    private static (DomainDistanceResult? distance, DomainDistanceSummary summary) Distance(
        LearnerOptions options,
        IReadOnlyList<IImageSource> sources,
        bool channelPipeline,
        Backbone backbone,
        Device device,
        IProgress<ProgressUpdate>? progress
    )
    {
        if (channelPipeline)
            return (
                null,
                new DomainDistanceSummary
                {
                    Skipped = "measured on 8-bit gray or RGB images; this run uses the channel pipeline",
                }
            );
        if (DomainDistance.Unavailable(backbone) is { } reason)
        {
            progress.Info(reason);
            return (null, new DomainDistanceSummary { Skipped = reason });
        }
        var distance = DomainDistance.Measure(
            backbone,
            sources,
            progress,
            maxImages: 128,
            seed: options.Seed,
            device: device
        );
        Tell(distance, progress);
        return (distance, DomainDistanceSummary.From(distance));
    }
}
