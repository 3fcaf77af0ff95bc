using TransferSharp.Strategies;

namespace TransferSharp.Learning;

/// <summary>
/// The typed record of a fit: the run's own entries (data, backbone, advice, analyses, timings) and, inherited, the
/// strategy's (<see cref="TrainingReport"/>: scores, curves, head). metrics.json is this record, snake_case.
/// </summary>
public sealed record FitReport : TrainingReport
{
    /// <summary>An empty record.</summary>
    public FitReport() { }

    /// <summary>A record holding a strategy's entries.</summary>
    public FitReport(TrainingReport training)
        : base(training) { }

    /// <summary>The strategy that trained the model (the advised one under auto).</summary>
    public string Strategy { get; init; } = "";

    /// <summary>The advice, under auto.</summary>
    public AdviceRecord? Advice { get; init; }

    /// <summary>The pilots' scores and the rule that picked the winner, under auto with pilots.</summary>
    public PilotReport? Pilot { get; init; }

    /// <summary>Under auto with a preset: the candidates, their scores and the one kept.</summary>
    public PresetReport? Preset { get; init; }

    /// <summary>The backbone's registered name.</summary>
    public string Backbone { get; init; } = "";

    /// <summary>The layer groups whose pooled outputs are the features.</summary>
    public IReadOnlyList<string> FeatureLayers { get; init; } = Array.Empty<string>();

    /// <summary>Grid pooling of intermediate feature groups (cells a side).</summary>
    public int FeatureGrid { get; init; } = 1;

    /// <summary>The input size in pixels.</summary>
    public int InputSize { get; init; }

    /// <summary>The input normalisation, in words.</summary>
    public string Normalization { get; init; } = "";

    /// <summary>An imported backbone's weights hash, sidecar, cut and warnings; null for a registered one.</summary>
    public ImportedBackboneSummary? ImportedBackbone { get; init; }

    /// <summary>What the importer changed in the backbone's graph.</summary>
    public IReadOnlyList<string> ImporterAdaptations { get; init; } = Array.Empty<string>();

    /// <summary>The device.</summary>
    public string Device { get; init; } = "";

    /// <summary>The native memory allocator the run used, and why.</summary>
    public string Allocator { get; init; } = "";

    /// <summary>The seed.</summary>
    public int Seed { get; init; }

    /// <summary>"mirror" when predictions average each image with its mirror image.</summary>
    public string? TestTimeAugmentation { get; init; }

    /// <summary>Class names by index.</summary>
    public IReadOnlyList<string> Classes { get; init; } = Array.Empty<string>();

    /// <summary>Images trained on.</summary>
    public int TrainImages { get; init; }

    /// <summary>Images held out for validation.</summary>
    public int ValImages { get; init; }

    /// <summary>Test images, when a test set was given.</summary>
    public int? TestImages { get; init; }

    /// <summary>Files the folder scans left out (FIFOs, devices), each named with why.</summary>
    public IReadOnlyList<string> LeftOutFiles { get; init; } = Array.Empty<string>();

    /// <summary>The domain distance d to the pretraining data.</summary>
    public DomainDistanceSummary? DomainDistance { get; init; }

    /// <summary>The first-layer filter analysis.</summary>
    public FilterSummary? FirstLayerFilters { get; init; }

    /// <summary>The frequency analysis.</summary>
    public FrequencySummary? Frequency { get; init; }

    /// <summary>Wall time of the fit.</summary>
    public double SecondsTotal { get; init; }
}
