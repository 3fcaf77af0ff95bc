using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TransferSharp.Analysis;
using TransferSharp.Backbones;
using TransferSharp.Engine;
using TransferSharp.IO;
using TransferSharp.Runs;
using TransferSharp.Strategies;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Learning;

/// <summary>
/// A fit's outcome in memory: the trained model (ready to predict), its typed report, its held-out predictions, and the
/// pilots' results under auto. <see cref="Save"/> writes it all as a run folder that predict and evaluate read.
/// </summary>
public sealed class FitResult : IDisposable
{
    /// <summary>The run record's file name.</summary>
    public const string MetricsFile = "metrics.json";

    /// <summary>The options' file name.</summary>
    public const string ConfigFile = "config.json";

    // Every entry of the record is written, null ones too, so that metrics.json has one schema for every strategy.
    private static readonly JsonSerializerOptions reportJson = new(Json.Options)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { WriteNullEntries } },
    };

    private readonly LearnerAnalyses analyses;

    // An ensemble's other members, each written as a complete run in its folder (their models belong to Model).
    private IReadOnlyList<(string folder, FitResult result)> members = [];

    private FitResult(
        FitReport report,
        SavedModel model,
        CalibrationSet heldOut,
        PredictionSet? test,
        LearnerOptions options,
        IReadOnlyDictionary<string, FitResult> pilots,
        LearnerAnalyses analyses
    )
    {
        Report = report;
        Model = model;
        HeldOut = heldOut;
        Test = test;
        Options = options;
        Pilots = pilots;
        this.analyses = analyses;
    }

    /// <summary>The typed record (metrics.json).</summary>
    public FitReport Report { get; }

    /// <summary>The trained model: backbone, head and input step, with its manifest.</summary>
    public SavedModel Model { get; }

    /// <summary>Held-out predictions for calibration and label-shift estimation.</summary>
    public CalibrationSet HeldOut { get; }

    /// <summary>The model's predictions on the test images, when there were any.</summary>
    public PredictionSet? Test { get; }

    /// <summary>The options the strategy ran with (under auto: the chosen strategy's).</summary>
    public LearnerOptions Options { get; }

    /// <summary>The pilots of an auto run, by strategy name.</summary>
    public IReadOnlyDictionary<string, FitResult> Pilots { get; }

    /// <summary>Feature extraction's head fit (it shares the model's head: valid while this result is).</summary>
    internal Strategies.FeatureExtraction.FittedProbe? FittedProbe { get; private init; }

    /// <summary>The same result under another record (this one's model passes to it: dispose only the new
    /// one).</summary>
    internal FitResult WithReport(FitReport report) =>
        new(report, Model, HeldOut, Test, Options, Pilots, analyses) { members = members, FittedProbe = FittedProbe };

    /// <summary>
    /// An ensemble of <paramref name="primary"/> (its model at the top level of the run folder, its analyses and
    /// options) and the other <paramref name="members"/> (null result: the primary), predicting with their weighted
    /// probabilities. The results' models pass to the ensemble: dispose only it.
    /// </summary>
    internal static FitResult Ensembled(
        FitResult primary,
        IReadOnlyList<(string name, FitResult? result, double weight)> members,
        FitReport report,
        CalibrationSet heldOut,
        PredictionSet? test
    )
    {
        var entries = members
            .Select((m, i) => new EnsembleEntry(m.name, m.result is null ? "." : SavedModel.MemberFolder(i), m.weight))
            .ToList();
        ModelManifest manifest = primary.Model.Manifest with
        {
            FormatVersion = ModelManifest.CurrentFormatVersion,
            Ensemble = entries,
        };
        var model = SavedModel.Ensemble(
            manifest,
            primary.Model,
            members.Select(m => (m.name, m.result?.Model, m.weight)).ToList()
        );
        return new FitResult(report, model, heldOut, test, primary.Options, primary.Pilots, primary.analyses)
        {
            members = members
                .Select((m, i) => (SavedModel.MemberFolder(i), m.result))
                .Where(m => m.result is not null)
                .Select(m => (m.Item1, m.result!))
                .ToList(),
        };
    }

    /// <summary>
    /// Writes the run folder: model, held-out predictions, config, plots, record (last). It is built beside <paramref
    /// name="folder"/> and put in place when complete, replacing a previous run there whole (<see
    /// cref="RunFolder.Replace"/>).
    /// </summary>
    public string Save(string folder) => RunFolder.Replace(folder, WriteTo);

    private void WriteTo(string output)
    {
        Directory.CreateDirectory(output);
        SavedModel.Save(
            output,
            Model.Manifest,
            Model.Head,
            Model.Manifest.BackboneFile is null ? null : Model.Backbone
        );
        HeldOut.Save(output);
        if (Test is not null)
            Json.Write(Path.Combine(output, PredictionSet.TestFile), Test);
        if (analyses.FilterGrid is { } grid)
            File.WriteAllBytes(Path.Combine(output, "filters.png"), grid);
        Json.Write(Path.Combine(output, ConfigFile), Options);
        if (analyses.DomainDistance is { } distance)
            DomainDistance.Plot(distance, Path.Combine(output, "domain_distance.png"));
        if (analyses.Frequency is { } frequency)
            FrequencyAnalysis.Plot(frequency, Path.Combine(output, "frequency.png"));
        foreach (var (name, pilot) in Pilots)
            pilot.WriteTo(Path.Combine(output, "pilot", name));
        foreach (var (folder, member) in members)
            member.WriteTo(Path.Combine(output, folder));
        AtomicFile.WriteAllText(Path.Combine(output, MetricsFile), ToJson(Report));
    }

    /// <summary>The record as metrics.json text.</summary>
    public static string ToJson(FitReport report) => JsonSerializer.Serialize(report, reportJson);

    /// <summary>Reads a run folder's record.</summary>
    public static FitReport LoadReport(string folder) => Json.Read<FitReport>(Path.Combine(folder, MetricsFile));

    /// <summary>Releases the model and the pilots' models.</summary>
    public void Dispose()
    {
        Model.Dispose();
        foreach (var pilot in Pilots.Values)
            pilot.Dispose();
    }

    internal static FitResult Assemble(
        Decision decision,
        LearnerData data,
        Backbone backbone,
        Device device,
        LearnerAnalyses analyses,
        StrategyOutcome outcome,
        TimeSpan elapsed
    )
    {
        LearnerOptions options = decision.Options;
        var manifest = Manifest(decision, data, backbone, outcome);
        var model = SavedModel.FromParts(manifest, backbone, outcome.Head, outcome.ChannelInput);
        double[] trainPriors = LabelShift.Frequencies(
            data.TrainRows.Select(i => data.Train.Items[i].Label),
            data.Train.ClassNames.Count
        );
        var heldOut = new CalibrationSet(
            outcome.HeldOut.Labels,
            outcome.HeldOut.LogProbabilities,
            trainPriors,
            outcome.HeldOut.Ids
        );
        var report = new FitReport(outcome.Report)
        {
            Strategy = decision.Descriptor.Name,
            Advice = AdviceEntry(decision.Advice),
            Pilot = decision.Pilot,
            Backbone = backbone.Config.Name,
            FeatureLayers = backbone.FeatureLayers,
            FeatureGrid = backbone.FeatureGrid,
            InputSize = backbone.InputSize,
            Normalization = backbone.Normalization,
            ImporterAdaptations = backbone.Network.Adaptations,
            ImportedBackbone = ImportedBackboneSummary.Of(backbone),
            Device = device.ToString(),
            Allocator = NativeAllocator.Describe(),
            Seed = options.Seed,
            TestTimeAugmentation = options.Model.TestTimeAugmentation ? "mirror" : null,
            Classes = data.Train.ClassNames,
            TrainImages = data.TrainRows.Length,
            ValImages = data.ValidationRows.Length,
            TestImages = data.Test?.Count,
            LeftOutFiles = [.. data.Train.LeftOut, .. data.Test?.LeftOut ?? []],
            DomainDistance = analyses.DomainDistanceSummary,
            FirstLayerFilters = analyses.Filters is { } f ? FilterSummary.From(f) : null,
            Frequency = analyses.Frequency is { } q ? FrequencySummary.From(q) : null,
            SecondsTotal = Math.Round(elapsed.TotalSeconds, 3),
        };
        return new FitResult(report, model, heldOut, outcome.Test, options, decision.Pilots, analyses)
        {
            FittedProbe = outcome.FittedProbe,
        };
    }

    private static ModelManifest Manifest(
        Decision decision,
        LearnerData data,
        Backbone backbone,
        StrategyOutcome outcome
    )
    {
        var input = outcome.ChannelInput;
        return new ModelManifest
        {
            Strategy = decision.Descriptor.Name,
            Backbone = backbone.Config.Name,
            BackbonePreprocessing = backbone.Preprocessing,
            BackboneWeightsHash = backbone.WeightsHash,
            InputSize = backbone.InputSize,
            Normalization = backbone.Normalization,
            ClassNames = data.Train.ClassNames,
            FeatureWidth = backbone.FeatureWidth,
            HeadFile = "head.bin",
            BackboneFile = outcome.BackboneTrained ? "backbone.bin" : null,
            TestTimeAugmentation = decision.Options.Model.TestTimeAugmentation,
            Adapter = input is null ? null : Adapters.InputAdapters.NameOf(input.Adapter),
            ChannelStatistics = input?.Statistics,
            TargetScale = input?.TargetScale,
            InputChannels = input?.Channels,
            ChannelsLast = decision.Options.Data.ChannelsLast,
            FeatureLayers = backbone.FinalFeaturesOnly ? null : backbone.FeatureLayers,
            FeatureGrid = backbone.FeatureGrid > 1 ? backbone.FeatureGrid : null,
            FrozenQuantization = outcome.Quantization,
        };
    }

    internal static AdviceRecord? AdviceEntry(Advice? advice) =>
        advice is null
            ? null
            : new AdviceRecord(
                StrategyRegistry.AutoName,
                advice.Regime,
                advice.Strategy.Name,
                advice.Adapter,
                advice.Alternatives.Select(a => a.Name).ToList(),
                advice.FeatureLayers,
                advice.RandomFlips,
                advice.HeadLayers,
                advice.RandomShifts,
                advice.Explanation
            );

    private static void WriteNullEntries(JsonTypeInfo info)
    {
        if (!typeof(TrainingReport).IsAssignableFrom(info.Type))
            return;
        foreach (var property in info.Properties)
            property.ShouldSerialize = static (_, _) => true;
    }
}
