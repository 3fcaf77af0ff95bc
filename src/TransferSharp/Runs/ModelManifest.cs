namespace TransferSharp.Runs;

/// <summary>model.json: what is needed to rebuild a trained model from a run folder.</summary>
public sealed record ModelManifest
{
    /// <summary>The newest format version this TransferSharp reads (2: an ensemble).</summary>
    public const int CurrentFormatVersion = 2;

    /// <summary>The format of a single model: what TransferSharp wrote before ensembles, so older readers still load
    /// it.</summary>
    public const int SingleFormatVersion = 1;

    /// <summary>Format version of this manifest (2 when it names an ensemble: a format-1 reader would ignore the
    /// members and predict with one model).</summary>
    public int FormatVersion { get; init; } = SingleFormatVersion;

    /// <summary>The strategy that trained it.</summary>
    public required string Strategy { get; init; }

    /// <summary>The registered backbone name, or the full path of the ONNX file it was imported from.</summary>
    public required string Backbone { get; init; }

    /// <summary>Preprocessing and feature cut the user set over an imported file's sidecar; null when none.</summary>
    public Backbones.BackbonePreprocessing? BackbonePreprocessing { get; init; }

    /// <summary>SHA-256 prefix of the backbone's weights file at training time.</summary>
    public required string BackboneWeightsHash { get; init; }

    /// <summary>Input size (square).</summary>
    public required int InputSize { get; init; }

    /// <summary>Normalisation applied to inputs (description).</summary>
    public required string Normalization { get; init; }

    /// <summary>Class names, by class index.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Feature width the head reads.</summary>
    public required int FeatureWidth { get; init; }

    /// <summary>The head's weights file (TorchSharp format), relative to the run folder.</summary>
    public required string HeadFile { get; init; }

    /// <summary>Whether predictions average each image with its mirror image.</summary>
    public bool TestTimeAugmentation { get; init; }

    /// <summary>The fine-tuned backbone's weights file, or null when the backbone is the unchanged pretrained
    /// one.</summary>
    public string? BackboneFile { get; init; }

    /// <summary>The input adapter of a channel-pipeline model (replicate, weight-sum, conv1x1); null for 8-bit image
    /// models.</summary>
    public string? Adapter { get; init; }

    /// <summary>Per-channel statistics of the training split (channel pipeline).</summary>
    public Adapters.ChannelStatistics? ChannelStatistics { get; init; }

    /// <summary>The standardised channels' scale (channel pipeline).</summary>
    public double? TargetScale { get; init; }

    /// <summary>Channels of the training data (channel pipeline).</summary>
    public int? InputChannels { get; init; }

    /// <summary>.npy arrays were [H, W, C].</summary>
    public bool ChannelsLast { get; init; }

    /// <summary>The layer groups whose pooled outputs are the features; null = the last group.</summary>
    public IReadOnlyList<string>? FeatureLayers { get; init; }

    /// <summary>Grid pooling of the intermediate feature groups (cells a side); null = 1, global pooling.</summary>
    public int? FeatureGrid { get; init; }

    /// <summary>The int8 frozen pass whose features the head reads (its activation ranges); null: fp32.</summary>
    public Backbones.FrozenQuantization? FrozenQuantization { get; init; }

    /// <summary>An ensemble's members, this folder's model among them ("."), with their weights; null for a single
    /// model.</summary>
    public IReadOnlyList<EnsembleEntry>? Ensemble { get; init; }
}
