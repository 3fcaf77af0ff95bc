using TransferSharp.Backbones;

namespace TransferSharp.Learning;

/// <summary>The record of a backbone imported from a user's ONNX file: which file, exactly, and how it was
/// read.</summary>
public sealed record ImportedBackboneSummary
{
    /// <summary>The file's full path.</summary>
    public required string File { get; init; }

    /// <summary>SHA-256 of the whole file (hex).</summary>
    public required string Sha256 { get; init; }

    /// <summary>The sidecar the preprocessing came from, or null.</summary>
    public string? Sidecar { get; init; }

    /// <summary>The tensor the features end at.</summary>
    public required string FeatureTensor { get; init; }

    /// <summary>"cut" when a classifier was cut off, "none" when the graph ends at its features.</summary>
    public required string Classifier { get; init; }

    /// <summary>The layer groups found.</summary>
    public required IReadOnlyList<string> LayerGroups { get; init; }

    /// <summary>The sidecar's interpolation, recorded; images are resized whole (bicubic up, linear down).</summary>
    public string? Interpolation { get; init; }

    /// <summary>The sidecar's crop_pct.</summary>
    public double? CropPct { get; init; }

    /// <summary>Preprocessing assumed or questionable.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    /// <summary>The summary of <paramref name="backbone"/>, or null for a registered backbone.</summary>
    public static ImportedBackboneSummary? Of(Backbone backbone)
    {
        PretrainedConfig config = backbone.Config;
        if (!config.IsFile)
            return null;
        return new ImportedBackboneSummary
        {
            File = backbone.WeightsPath,
            Sha256 = backbone.WeightsSha256,
            Sidecar = config.Sidecar,
            FeatureTensor = backbone.Network.OutputName,
            Classifier = config.Classifier,
            LayerGroups = config.LayerGroups,
            Interpolation = config.Interpolation,
            CropPct = config.CropPct,
            Warnings = config.Warnings,
        };
    }
}
