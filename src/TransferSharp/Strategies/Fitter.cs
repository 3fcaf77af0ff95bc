using System.Diagnostics;
using TransferSharp.Analysis;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Engine;
using TransferSharp.Progress;
using TransferSharp.Runs;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Strategies;

/// <summary>The outcome of a fit: the run folder's record.</summary>
/// <param name="Output">The run folder.</param>
/// <param name="Record">What metrics.json holds.</param>
public sealed record FitResult(string Output, RunRecord Record);

/// <summary>
/// Runs <c>fit</c>: load and split the data, load the backbone, train with the chosen strategy, evaluate, and save the
/// model, its config and metrics.json into the run folder.
/// </summary>
public static class Fitter
{
    /// <summary>
    /// Short runs of the advised strategy and its first two alternatives on the same split (no test set, into
    /// <c>pilot/</c> of the run folder); returns the options of the one <see cref="PilotWinner"/> keeps.
    /// </summary>
    private static (FitOptions winner, object record) RunPilots(FitOptions options, Advice advice, int validationImages, string output, IProgressSink progress)
    {
        var candidates = new[] { advice.Strategy }.Concat(advice.Alternatives).Distinct().Take(3).ToList();
        int networkPilots = candidates.Count(c => c != StrategyCatalog.FeatureExtraction);
        var results = new List<(string strategy, double accuracy, double seconds, FitOptions options)>();
        var watch = Stopwatch.StartNew();
        foreach (string candidate in candidates)
        {
            FitOptions pilot = Chosen(options, candidate, advice) with { Test = null, Output = Path.Combine(output, "pilot", candidate) };
            if (candidate != StrategyCatalog.FeatureExtraction)
            {
                // The network pilots together see at most PilotBudget of the full run's image-steps: PilotEpochs epochs
                // each, on a stratified share of the training split when the full run is short.
                int fullEpochs = NetworkStrategy.Defaults(pilot).Epochs, epochs = Math.Min(options.PilotEpochs, fullEpochs);
                pilot = pilot with { Epochs = epochs, TrainFraction = Math.Min(1.0, PilotBudget * fullEpochs / (networkPilots * epochs)) };
            }
            progress.Info($"pilot {results.Count + 1}/{candidates.Count}: {candidate}");
            var pilotWatch = Stopwatch.StartNew();
            FitResult result = Run(pilot, progress);
            double accuracy = result.Record.Get<double?>("val_accuracy") ?? double.NaN;
            results.Add((candidate, accuracy, pilotWatch.Elapsed.TotalSeconds, pilot));
            progress.Info($"pilot {candidate}: val accuracy {accuracy:F4} in {pilotWatch.Elapsed.TotalSeconds:F1} s");
        }
        var winner = results[PilotWinner(results.Select(r => r.accuracy).ToList(), validationImages)];
        double advised = results[0].accuracy;
        var record = new
        {
            candidates = results.Select((r, i) => new
            {
                r.strategy, val_accuracy = Math.Round(r.accuracy, 4), seconds = Math.Round(r.seconds, 2), epochs = r.options.Epochs, train_fraction = Math.Round(r.options.TrainFraction, 3),
                margin_needed = i == 0 || double.IsNaN(advised) ? (double?)null : Math.Round(PilotMargin(advised, r.accuracy, validationImages), 4),
            }),
            winner = winner.strategy, validation_images = validationImages, seconds = Math.Round(watch.Elapsed.TotalSeconds, 2), folder = "pilot",
            rule = "an alternative replaces the advised strategy only when its validation accuracy is higher by more than one standard error of the difference, sqrt((a(1-a) + b(1-b)) / n) on n validation images; pilot scores closer than that are noise",
        };
        if (winner.strategy != results[0].strategy || results.Any(r => r.accuracy > advised))
            progress.Info(winner.strategy == results[0].strategy
                ? $"pilots: {results[0].strategy} kept: no alternative beats its {advised:F4} by more than the noise of {validationImages} validation images"
                : $"pilots: {winner.strategy} ({winner.accuracy:F4}) replaces {results[0].strategy} ({advised:F4})");
        return (Chosen(options, winner.strategy, advice), record);
    }

    /// <summary>
    /// Which pilot wins: the advised strategy (index 0) unless another candidate's validation accuracy beats it by more than
    /// <see cref="PilotMargin"/> (then the most accurate of those). One epoch on a share of the data ranks the candidates
    /// roughly, and an accuracy on n images moves by sqrt(p(1-p)/n) from chance alone (4 points at 100 images): a pilot
    /// that wins by less is as likely luck as skill, and the advice, made from measurements of the whole task, stands.
    /// A failed advised pilot (NaN) gives way to the most accurate of the others.
    /// </summary>
    public static int PilotWinner(IReadOnlyList<double> accuracies, int validationImages)
    {
        if (double.IsNaN(accuracies[0]))
            return Enumerable.Range(0, accuracies.Count).Where(i => !double.IsNaN(accuracies[i])).DefaultIfEmpty(0).MaxBy(i => accuracies[i]);
        int best = 0;
        for (int i = 1; i < accuracies.Count; i++)
            if (!double.IsNaN(accuracies[i]) && accuracies[i] - accuracies[0] > PilotMargin(accuracies[0], accuracies[i], validationImages) && accuracies[i] > accuracies[best])
                best = i;
        return best;
    }

    /// <summary>One standard error of the difference of two accuracies <paramref name="a"/> and <paramref name="b"/>, each on <paramref name="n"/> images.</summary>
    public static double PilotMargin(double a, double b, int n) => Math.Sqrt((a * (1 - a) + b * (1 - b)) / Math.Max(1, n));

    /// <summary>Share of the full run's training image-steps that the network pilots may use together.</summary>
    public const double PilotBudget = 0.3;

    /// <summary>
    /// The options of an auto run once <paramref name="strategy"/> is chosen (no more pilots): feature extraction takes
    /// the advised feature layers (unless --features was given) and keeps its own head-fit length (with auto, --epochs
    /// is the network strategies' training length, not feature extraction's full-batch head steps).
    /// </summary>
    private static FitOptions Chosen(FitOptions auto, string strategy, Advice advice) =>
        strategy == StrategyCatalog.FeatureExtraction
            ? auto with { Strategy = strategy, Pilot = false, Features = auto.Features ?? advice.FeatureLayers, Epochs = null }
            : auto with { Strategy = strategy, Pilot = false, Features = null, FeatureGrid = 1 };

    /// <summary>Runs a fit.</summary>
    public static FitResult Run(FitOptions options, IProgressSink progress)
    {
        var total = Stopwatch.StartNew();
        // 1. Check everything cheap before any work: options, the output folder, the data.
        options.Validate();
        string output = RunFolder.Prepare(options.Output);
        Device device = TorchRuntime.ResolveDevice(options.Device);
        var (train, test) = LoadData(options);
        var (trainIdx, valIdx) = StratifiedSplit.Split(train.Labels(), train.ClassNames, options.ValidationFraction, options.Seed);
        if (options.TrainFraction < 1)
        {
            // A stratified share of the training split (pilots); the validation split stays whole.
            int[] kept = StratifiedSplit.Split(trainIdx.Select(i => train.Items[i].Label).ToList(), train.ClassNames, 1 - options.TrainFraction, options.Seed).train;
            trainIdx = kept.Select(k => trainIdx[k]).ToArray();
        }
        progress.Info($"data: {train.Count} labelled images in {train.ClassNames.Count} classes ({trainIdx.Length} train / {valIdx.Length} validation)" +
                      (test is null ? "" : $", {test.Count} test images"));

        // 2. The backbone, for auto without --size at the advised input size (from the images' size, measured once).
        int? imageSide = options.Strategy == StrategyCatalog.Auto ? AdviceMeasurements.ImageSide(train) : null;
        if (options.Strategy == StrategyCatalog.Auto && options.Size is null
            && StrategyAdvisor.InputSizeFor(imageSide, Registry.Get(options.Backbone).InputSize) is { } advisedSize)
        {
            options = options with { Size = advisedSize };
            progress.Info($"strategy auto: input size {advisedSize} px");
        }
        manual_seed(options.Seed);
        using Backbone backbone = Backbone.Load(options.Backbone, options.Size);
        Advice? advice = null;
        object? pilotRecord = null;
        if (options.Strategy == StrategyCatalog.Auto)
        {
            // The advisor decides, from measurements on the training data and the pretrained backbone (before any change).
            AdviceInputs inputs = AdviceMeasurements.Measure(backbone, train, progress, imageSide: imageSide).inputs;
            advice = StrategyAdvisor.Advise(inputs);
            if (options.Adapter == Adapters.AdapterKind.Replicate) options = options with { Adapter = Adapters.InputAdapters.Parse(advice.Adapter) };
            if (options.Pilot && valIdx.Length >= options.PilotMinimumValidation) (options, pilotRecord) = RunPilots(options, advice, valIdx.Length, output, progress);
            else
            {
                if (options.Pilot)
                {
                    string reason = $"the validation split has {valIdx.Length} images, fewer than {options.PilotMinimumValidation}: too few to rank the candidates (an accuracy on {valIdx.Length} images has a standard error near {100 * Math.Sqrt(0.16 / Math.Max(1, valIdx.Length)):F0} points)";
                    pilotRecord = new { skipped = reason };
                    progress.Info($"pilots skipped: {reason}; the advised strategy runs");
                }
                options = Chosen(options, advice.Strategy, advice);
            }
            options.Validate();
            progress.Info($"strategy auto: {options.Strategy}{(options.Features is { } chosen ? $" on {string.Join(",", chosen)} features" : "")}. {advice.Explanation}");
        }
        if (options.Features is { } layers)
        {
            try { backbone.UseFeatureLayers(layers, options.FeatureGrid); }
            catch (ArgumentException e) { throw new OptionException(e.Message); }
            if (options.FeatureGrid > 1 && backbone.FeatureGrid == 1)
                progress.Info($"--feature-grid {options.FeatureGrid} ignored: grid pooling applies to intermediate groups, and the features come from {string.Join(",", layers)} only (the network's own global pooling)");
        }
        var record = new RunRecord()
            .Set("strategy", options.Strategy)
            .Set("advice", advice is null ? null : new { requested = StrategyCatalog.Auto, advice.Regime, advice.Strategy, advice.Adapter, advice.Alternatives, feature_layers = advice.FeatureLayers, random_flips = advice.RandomFlips, advice.Explanation })
            .Set("pilot", pilotRecord)
            .Set("backbone", backbone.Config.Name)
            .Set("feature_layers", backbone.FeatureLayers)
            .Set("feature_grid", backbone.FeatureGrid)
            .Set("input_size", backbone.InputSize)
            .Set("normalization", backbone.Normalization)
            .Set("importer_adaptations", backbone.Network.Adaptations)
            .Set("device", device.ToString())
            .Set("allocator", NativeAllocator.Describe())
            .Set("seed", options.Seed)
            .Set("test_time_augmentation", options.TestTimeAugmentation ? "mirror" : null)
            .Set("classes", train.ClassNames)
            .Set("train_images", trainIdx.Length)
            .Set("val_images", valIdx.Length)
            .Set("test_images", test?.Count);

        // Domain distance to the pretraining data, on the pretrained weights (before any training changes them).
        var sources = train.Items.Select(i => i.Source).ToList();
        bool channelPipeline = options.UsesChannelPipeline(train);
        if (channelPipeline) record.Set("domain_distance", new { skipped = "measured on 8-bit gray or RGB images; this run uses the channel pipeline" });
        else
        {
            DomainDistanceResult distance = DomainDistance.Measure(backbone, trainIdx.Select(i => sources[i]).ToList(), progress, maxImages: 128, seed: options.Seed, device: device);
            DomainDistance.Plot(distance, Path.Combine(output, "domain_distance.png"));
            record.Set("domain_distance", new { d = Math.Round(distance.Overall, 4), per_group = distance.PerGroup.ToDictionary(p => p.Key, p => Math.Round(p.Value, 4)), images = distance.Images, plot = "domain_distance.png", layers = distance.Layers });
            progress.Info($"domain distance to the pretraining data: d = {distance.Overall:F3} ({string.Join(", ", distance.PerGroup.Select(p => $"{p.Key} {p.Value:F3}"))})");
        }

        // The first layer against a replicated gray input (instant), and on request the frequency analysis.
        FilterReport filters = FilterAnalysis.Analyse(backbone);
        record.Set("first_layer_filters", new { layer = filters.Layer, filters = filters.Filters.Count, colour_opponent = filters.ColourOpponentCount,
            threshold = filters.Threshold, gray_excitable_energy_share = Math.Round(filters.EnergyWeightedShare, 4) });
        if (options.Analyze && !channelPipeline)
        {
            FrequencyReport frequency = FrequencyAnalysis.Analyse(backbone, trainIdx.Select(i => sources[i]).ToList(), progress);
            FrequencyAnalysis.Plot(frequency, Path.Combine(output, "frequency.png"));
            record.Set("frequency", new { frequency.Response.HighToLowDb, frequency.Cutoff, frequency.ShareAboveCutoff, frequency.NaturalShareAboveCutoff,
                frequency.AttenuationDb, frequency.TuneEarlyLayers, frequency.Verdict, plot = "frequency.png" });
            progress.Info(frequency.Verdict);
        }

        // 3. The strategy.
        ClassifierHead head;
        TransferModel? trained = null;
        NetworkOutcome? network = null;
        FeatureExtractionOutcome? extraction = null;
        if (options.Strategy == StrategyCatalog.FeatureExtraction && !channelPipeline)
        {
            extraction = FeatureExtractionStrategy.Train(backbone, train, trainIdx, valIdx, test, options, device, record, progress);
            head = extraction.Head;
        }
        // Feature extraction through the channel pipeline runs as a head (and adapter) on the frozen backbone: the network path.
        else
        {
            network = NetworkStrategy.Train(backbone, train, trainIdx, valIdx, test, options, device, record, progress);
            trained = network.Model;
            head = trained.Head;
        }

        // 4. Save.
        var manifest = new ModelManifest
        {
            Strategy = options.Strategy,
            Backbone = backbone.Config.Name,
            BackboneWeightsHash = backbone.WeightsHash,
            InputSize = backbone.InputSize,
            Normalization = backbone.Normalization,
            ClassNames = train.ClassNames,
            FeatureWidth = backbone.FeatureWidth,
            HeadFile = "head.bin",
            BackboneFile = trained is null ? null : "backbone.bin",
            TestTimeAugmentation = options.TestTimeAugmentation,
            Adapter = channelPipeline ? Adapters.InputAdapters.NameOf(options.Adapter) : null,
            ChannelStatistics = channelPipeline ? trained?.ChannelInput?.Statistics : null,
            TargetScale = channelPipeline ? trained?.ChannelInput?.TargetScale : null,
            InputChannels = channelPipeline ? trained?.ChannelInput?.Channels : null,
            ChannelsLast = options.ChannelsLast,
            FeatureLayers = backbone.FinalFeaturesOnly ? null : backbone.FeatureLayers,
            FeatureGrid = backbone.FeatureGrid > 1 ? backbone.FeatureGrid : null,
        };
        SavedModel.Save(output, manifest, head, trained?.Backbone);
        head.Dispose();
        // Held-out predictions: calibration and label-shift estimation start from them. Feature extraction gives out-of-fold
        // predictions on every labelled image (its head is refitted on train + validation); the other strategies, the
        // validation split.
        double[] trainPriors = LabelShift.Frequencies(trainIdx.Select(i => train.Items[i].Label), train.ClassNames.Count);
        if (extraction is not null) new CalibrationSet(extraction.HeldOutLabels, extraction.HeldOutLogProbabilities, trainPriors).Save(output);
        else if (network is not null) new CalibrationSet(network.ValidationLabels, network.ValidationLogProbabilities, trainPriors).Save(output);
        Json.Write(Path.Combine(output, "config.json"), options);
        record.Set("seconds_total", Math.Round(total.Elapsed.TotalSeconds, 3));
        record.Save(Path.Combine(output, RunFolder.MetricsFile));
        return new FitResult(output, record);
    }

    private static (ImageDataset train, ImageDataset? test) LoadData(FitOptions options)
    {
        if (options.Data is null)
        {
            var embeddedTrain = DatasetLoader.Load(EmbeddedData.TrainImages, DatasetRole.Train);
            var embeddedTest = DatasetLoader.Load(options.Test ?? EmbeddedData.TestImages, DatasetRole.Test);
            return (embeddedTrain, embeddedTest);
        }
        var train = DatasetLoader.Load(options.Data, DatasetRole.Train, options.ChannelsLast);
        ImageDataset? test = options.Test is null ? null : DatasetLoader.Load(options.Test, DatasetRole.Test, options.ChannelsLast);
        if (test is not null && !test.ClassNames.SequenceEqual(train.ClassNames))
            throw new DataException($"{test.Origin}: the test set's classes ({string.Join(", ", test.ClassNames)}) differ from the training set's ({string.Join(", ", train.ClassNames)}).", test.Origin);
        return (train, test);
    }
}

/// <summary>The run folder's layout and its preparation.</summary>
public static class RunFolder
{
    /// <summary>The run record's file name.</summary>
    public const string MetricsFile = "metrics.json";

    /// <summary>Creates the folder and proves it writable, before any work; errors name the folder.</summary>
    public static string Prepare(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionException($"--out {path}: the folder cannot be written ({e.Message}).");
        }
        return full;
    }
}
