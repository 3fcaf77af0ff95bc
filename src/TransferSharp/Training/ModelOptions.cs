using TransferSharp.Adapters;
using TransferSharp.Backbones;

namespace TransferSharp.Training;

/// <summary>The network: which pretrained backbone, at what input size, how the input reaches it, where it
/// runs.</summary>
public sealed record ModelOptions
{
    /// <summary>The registered backbone, or the path of an ONNX file. Default resnet18-imagenet.</summary>
    public string Backbone { get; init; } = Registry.DefaultName;

    /// <summary>An ONNX file backbone's preprocessing and feature cut over its sidecar; null: the sidecar's.</summary>
    public BackbonePreprocessing? Preprocessing { get; init; }

    /// <summary>Input size in pixels (square); null = the backbone's own (auto: the advised size).</summary>
    public int? Size { get; init; }

    /// <summary>How the input's channels reach the backbone. Default replicate.</summary>
    public AdapterKind Adapter { get; init; } = AdapterKind.Replicate;

    /// <summary>Test-time augmentation: each prediction averages the image's and its mirror image's logits.</summary>
    public bool TestTimeAugmentation { get; init; }

    /// <summary>cpu, cuda or cuda:N. Default cpu.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Throws <see cref="OptionException"/> (or an unknown-backbone error) naming the first bad
    /// value.</summary>
    public void Validate()
    {
        if (Size is { } size)
            Limits.Range($"{nameof(ModelOptions)}.{nameof(Size)}", size, Limits.MinimumSize, Limits.MaximumSize);
        Registry.Get(Backbone, Preprocessing);
    }
}
