namespace TransferSharp.Backbones;

/// <summary>
/// What a user says about an imported backbone's input, over its sidecar (the command line's --mean, --std,
/// --channel-order, --input-range, --feature-node). Mean and std are on the 0..1 scale, in the network's channel
/// order, as timm's pretrained_cfg gives them; the network sees (pixel - mean) / std * input range.
/// </summary>
public sealed record BackbonePreprocessing
{
    /// <summary>Per-channel mean (0..1 scale), or null for the sidecar's.</summary>
    public IReadOnlyList<double>? Mean { get; init; }

    /// <summary>Per-channel standard deviation (0..1 scale), or null for the sidecar's.</summary>
    public IReadOnlyList<double>? Std { get; init; }

    /// <summary>RGB or BGR, or null for the sidecar's.</summary>
    public ChannelOrder? ChannelOrder { get; init; }

    /// <summary>The range the network's pixels span (1 or 255), or null for the sidecar's.</summary>
    public double? InputRange { get; init; }

    /// <summary>Where the features end (a node or tensor name), or null to cut the classifier automatically.</summary>
    public string? FeatureNode { get; init; }

    /// <summary>RGB or BGR (any case) as a channel order; null for anything else.</summary>
    public static ChannelOrder? ParseChannelOrder(string text) =>
        text.ToUpperInvariant() switch
        {
            "RGB" => Backbones.ChannelOrder.Rgb,
            "BGR" => Backbones.ChannelOrder.Bgr,
            _ => null,
        };

    /// <summary>
    /// What is wrong with a mean, std and input range for a network of <paramref name="channels"/> input channels
    /// (null: lengths not checked), or null; <paramref name="name"/> gives each key as its source calls it (a sidecar
    /// key, a flag). Sidecars and the user's settings are checked by this one rule.
    /// </summary>
    public static string? Problem(
        IReadOnlyList<double>? mean,
        IReadOnlyList<double>? std,
        double? inputRange,
        long? channels,
        Func<string, string> name
    )
    {
        foreach (var (key, values) in new[] { ("mean", mean), ("std", std) })
            if (values is not null && channels is { } n && values.Count != n)
                return $"{name(key)} has {values.Count} values for {n} channels";
        if (std is not null && std.Any(s => !(s > 0)))
            return $"{name("std")} values must be above 0";
        if (inputRange is { } range && range is not (1 or 255))
            return $"{name("input_range")} {range}: expected 1 or 255";
        return null;
    }

    /// <summary>True when nothing is set.</summary>
    public bool IsEmpty => Mean is null && Std is null && ChannelOrder is null && InputRange is null;

    /// <summary>A stable text of the settings, for cache keys.</summary>
    public override string ToString() =>
        $"mean={Join(Mean)};std={Join(Std)};order={ChannelOrder};range={InputRange};node={FeatureNode}";

    private static string Join(IReadOnlyList<double>? values) =>
        values is null
            ? ""
            : string.Join(",", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
}
