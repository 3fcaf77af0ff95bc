namespace TransferSharp.Backbones;

/// <summary>What <see cref="BackboneCheck"/> found.</summary>
public sealed record BackboneCheckReport
{
    /// <summary>The file.</summary>
    public required string File { get; init; }

    /// <summary>Its ONNX opset.</summary>
    public required long Opset { get; init; }

    /// <summary>Its nodes.</summary>
    public required int Nodes { get; init; }

    /// <summary>Trainable values of the whole graph.</summary>
    public required long Parameters { get; init; }

    /// <summary>Parity at each size checked.</summary>
    public required IReadOnlyList<BackboneParity> Sizes { get; init; }

    /// <summary>Whether the graph runs at a size other than its export size.</summary>
    public required bool AnySize { get; init; }

    /// <summary>Why it does not, when it does not.</summary>
    public string? OtherSizeError { get; init; }

    /// <summary>The tensor the features end at.</summary>
    public required string FeatureTensor { get; init; }

    /// <summary>The feature width after the cut.</summary>
    public required int FeatureWidth { get; init; }

    /// <summary>"cut" or "none".</summary>
    public required string Classifier { get; init; }

    /// <summary>The first convolution (where input adapters and the filter analysis work).</summary>
    public required string FirstConvolution { get; init; }

    /// <summary>The layer groups.</summary>
    public required IReadOnlyList<BackboneGroupInfo> Groups { get; init; }

    /// <summary>BatchNorm layers (the domain distance needs them).</summary>
    public required int BatchNorms { get; init; }

    /// <summary>The sidecar read, if any.</summary>
    public string? Sidecar { get; init; }

    /// <summary>The normalisation applied.</summary>
    public required string Normalization { get; init; }

    /// <summary>Warnings about the preprocessing.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    /// <summary>What the importer changed in the graph.</summary>
    public IReadOnlyList<string> Adaptations { get; init; } = Array.Empty<string>();

    /// <summary>True when every size passed.</summary>
    public bool Passed => Sizes.All(s => s.Passed);
}
