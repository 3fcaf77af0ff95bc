using TransferSharp.Analysis;

namespace TransferSharp.Learning;

/// <summary>The domain distance entry of the record: d overall and per layer group, or why it was not
/// measured.</summary>
public sealed record DomainDistanceSummary
{
    /// <summary>Why it was not measured.</summary>
    public string? Skipped { get; init; }

    /// <summary>d over every BatchNorm layer.</summary>
    public double? D { get; init; }

    /// <summary>d per layer group.</summary>
    public IReadOnlyDictionary<string, double>? PerGroup { get; init; }

    /// <summary>Images measured.</summary>
    public int? Images { get; init; }

    /// <summary>The plot's file name in the run folder.</summary>
    public string? Plot { get; init; }

    /// <summary>Each layer's distance.</summary>
    public IReadOnlyList<LayerDistance>? Layers { get; init; }

    /// <summary>The summary of a measured distance.</summary>
    public static DomainDistanceSummary From(DomainDistanceResult distance) =>
        new()
        {
            D = Math.Round(distance.Overall, 4),
            PerGroup = distance.PerGroup.ToDictionary(p => p.Key, p => Math.Round(p.Value, 4)),
            Images = distance.Images,
            Plot = "domain_distance.png",
            Layers = distance.Layers,
        };
}
