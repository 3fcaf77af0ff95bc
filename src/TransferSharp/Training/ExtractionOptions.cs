using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>Options of a frozen backbone pass.</summary>
public sealed record ExtractionOptions
{
    /// <summary>Images per backbone pass. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Skip (and report) images that fail to decode instead of stopping. Default false.</summary>
    public bool SkipBad { get; init; }

    /// <summary>Extract features of horizontally mirrored images (for test-time augmentation). Default false.</summary>
    public bool Mirror { get; init; }

    /// <summary>The device the backbone runs on. Default CPU.</summary>
    public Device? Device { get; init; }

    /// <summary>Which engine runs the frozen backbone. Default <see cref="ExtractionEngine.Auto"/>.</summary>
    public ExtractionEngine Engine { get; init; } = ExtractionEngine.Auto;

    /// <summary>Run the frozen pass in int8 with these ranges (ONNX Runtime only); null: fp32. The cache must be keyed
    /// by <see cref="Backbones.Backbone.QuantizedFeatureKey"/>.</summary>
    public Backbones.FrozenQuantization? Quantization { get; init; }

    /// <summary>Other grids to pool the same intermediate maps at, cached for later fits (TorchSharp passes of
    /// intermediate layers only; not for mirrored images).</summary>
    internal IReadOnlyList<GridCompanion> Companions { get; init; } = [];
}
