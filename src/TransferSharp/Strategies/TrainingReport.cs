using System.Text.Json.Serialization;
using TransferSharp.Training;

namespace TransferSharp.Strategies;

/// <summary>
/// What a strategy reports about its training: scores, curves, the head, the cache, the adapter. Unset entries are
/// null. <c>Learning.FitReport</c> adds the run's own entries; metrics.json serialises both with these snake_case
/// names.
/// </summary>
public record TrainingReport
{
    /// <summary>The head, in words.</summary>
    public string? Head { get; init; }

    /// <summary>Full-batch steps of the frozen-feature head.</summary>
    public int? HeadSteps { get; init; }

    /// <summary>How the frozen-feature head was minimised: lbfgs or adam.</summary>
    public string? HeadSolver { get; init; }

    /// <summary>The frozen-feature head's chosen weight decay.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>Every weight decay tried, with its validation scores.</summary>
    public IReadOnlyList<WeightDecayTrial>? WeightDecayTrials { get; init; }

    /// <summary>Whether the frozen-feature head was refitted on training and validation images.</summary>
    public bool? RefitOnTrainAndValidation { get; init; }

    /// <summary>Training accuracy of the frozen-feature head.</summary>
    public double? TrainAccuracy { get; init; }

    /// <summary>Validation accuracy of the weights kept.</summary>
    public double? ValAccuracy { get; init; }

    /// <summary>Validation loss of the weights kept.</summary>
    public double? ValLoss { get; init; }

    /// <summary>Parameters that trained (the most in any epoch).</summary>
    public long TrainableParameters { get; init; }

    /// <summary>Test accuracy, when a test set was given.</summary>
    public double? TestAccuracy { get; init; }

    /// <summary>Test recall of each class, by name.</summary>
    public IReadOnlyDictionary<string, double>? TestPerClassAccuracy { get; init; }

    /// <summary>Seconds of the frozen pass (decode included).</summary>
    public double? SecondsExtraction { get; init; }

    /// <summary>Images that went through the frozen backbone (not served by the cache).</summary>
    public int? ImagesExtracted { get; init; }

    /// <summary>Frozen-pass speed, decode included.</summary>
    public double? ImagesPerSecondExtraction { get; init; }

    /// <summary>What ran the frozen pass: "onnxruntime", "onnxruntime-int8" or "torch" ("none": the cache served every
    /// image).</summary>
    public string? ExtractionEngine { get; init; }

    /// <summary>How the feature cache served the run.</summary>
    public FeatureCacheUse? FeatureCache { get; init; }

    /// <summary>The frozen pass's arithmetic (feature extraction); null when fp32 was all that was asked for.</summary>
    public FrozenPrecisionReport? FrozenPrecision { get; init; }

    /// <summary>What the training step's convolutions ran in under --precision auto, and why; null when a precision
    /// was named.</summary>
    public TrainingPrecisionReport? TrainingPrecision { get; init; }

    /// <summary>Images skipped as undecodable (with --skip-bad).</summary>
    public IReadOnlyList<BadImage> SkippedImages { get; init; } = Array.Empty<BadImage>();

    /// <summary>The linear probe a strategy started from.</summary>
    public LinearProbeSummary? LinearProbe { get; init; }

    /// <summary>BatchNorm layers whose statistics AdaBN re-estimated.</summary>
    public int? AdabnLayers { get; init; }

    /// <summary>The input adapter and its channel statistics (channel pipeline).</summary>
    public AdapterSummary? Adapter { get; init; }

    /// <summary>The conv1x1 adapter's stage with the head on the frozen backbone, before a staged strategy.</summary>
    public AdapterStageSummary? AdapterStage { get; init; }

    /// <summary>A caution about the adapter (replicate dropping bands).</summary>
    public string? AdapterWarning { get; init; }

    /// <summary>Every epoch's curve entries.</summary>
    public IReadOnlyList<EpochResult>? Epochs { get; init; }

    /// <summary>The scored starting point (epoch 0).</summary>
    public StartScore? Start { get; init; }

    /// <summary>The best validation epoch.</summary>
    public int? BestEpoch { get; init; }

    /// <summary>The epoch whose weights the model keeps.</summary>
    public int? RestoredEpoch { get; init; }

    /// <summary>Why training stopped early.</summary>
    public string? StopReason { get; init; }

    /// <summary>The weight average kept instead of one epoch.</summary>
    public WeightAveragingSummary? WeightAveraging { get; init; }

    /// <summary>Each group's base learning rate.</summary>
    public IReadOnlyDictionary<string, double>? GroupLearningRates { get; init; }

    /// <summary>The loop's settings.</summary>
    [JsonPropertyName("training_options")]
    public TrainingSettings? Training { get; init; }

    /// <summary>L2-SP's strengths.</summary>
    [JsonPropertyName("l2sp")]
    public L2SpSummary? L2Sp { get; init; }

    /// <summary>Gradual unfreezing's stages.</summary>
    public IReadOnlyList<UnfreezeStage>? UnfreezeStages { get; init; }

    /// <summary>A non-finite loss that stopped training.</summary>
    public string? Failure { get; init; }
}
