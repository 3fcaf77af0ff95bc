namespace TransferSharp.Backbones;

/// <summary>
/// Everything TransferSharp must know about one pretrained backbone, as data (timm's PretrainedCfg): weights source,
/// input size, channel order, value range, normalisation, first convolution, classifier and layer groups.
/// </summary>
public sealed record PretrainedConfig
{
    /// <summary>Registry name, e.g. "resnet18-imagenet".</summary>
    public required string Name { get; init; }

    /// <summary>One line for humans.</summary>
    public required string Description { get; init; }

    /// <summary>Architecture family, e.g. "resnet18".</summary>
    public required string Architecture { get; init; }

    /// <summary>Pretraining data set.</summary>
    public required string PretrainedOn { get; init; }

    /// <summary>The weights.</summary>
    public required WeightsSource Weights { get; init; }

    /// <summary>The input size (square) it was trained at.</summary>
    public required int InputSize { get; init; }

    /// <summary>The channel order it expects.</summary>
    public required ChannelOrder ChannelOrder { get; init; }

    /// <summary>Pixel values are scaled to 0..InputRange (255 for 0..255, 1 for 0..1) before normalisation.</summary>
    public required double InputRange { get; init; }

    /// <summary>Per-pixel mean image at <see cref="InputSize"/>, or null; at other sizes its per-channel means are
    /// used.</summary>
    public MeanImageSource? MeanImage { get; init; }

    /// <summary>Per-channel mean in the model's channel order (used when there is no mean image).</summary>
    public IReadOnlyList<double>? Mean { get; init; }

    /// <summary>Per-channel standard deviation in the model's channel order (1 = none).</summary>
    public required IReadOnlyList<double> Std { get; init; }

    /// <summary>The ONNX node name of the first convolution (input adapters and filter analysis work on it).</summary>
    public required string FirstConvolution { get; init; }

    /// <summary>What the file has after the features: "none" when it ends at the pooled features.</summary>
    public required string Classifier { get; init; }

    /// <summary>Layer group names from input to output; the importer derives the groups from downsampling
    /// stages.</summary>
    public required IReadOnlyList<string> LayerGroups { get; init; }

    /// <summary>Width of the pooled feature vector.</summary>
    public required int FeatureWidth { get; init; }

    /// <summary>An imported file's preprocessing source (its sidecar), or null.</summary>
    public string? Sidecar { get; init; }

    /// <summary>The sidecar's interpolation, recorded (images are resized with bicubic up, linear down).</summary>
    public string? Interpolation { get; init; }

    /// <summary>The sidecar's crop_pct, recorded (the whole image is resized, not cropped).</summary>
    public double? CropPct { get; init; }

    /// <summary>What the user should know about this backbone (e.g. preprocessing assumed, no sidecar).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    /// <summary>True for a backbone imported from a user's ONNX file (not a registered one).</summary>
    public bool IsFile => Weights.PackageId == ExternalBackbones.FileSource;
}
