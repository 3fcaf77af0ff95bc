using TransferSharp.Training;

namespace TransferSharp.Strategies;

/// <summary>The linear probe a strategy started from.</summary>
public sealed record LinearProbeSummary
{
    /// <summary>The naive baseline's probe: head-only epochs through the network.</summary>
    public bool? Naive { get; init; }

    /// <summary>The naive probe's epochs.</summary>
    public IReadOnlyList<EpochResult>? Epochs { get; init; }

    /// <summary>The chosen weight decay.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>per-feature or global standardisation of the features.</summary>
    public string? FeatureScale { get; init; }

    /// <summary>Validation accuracy of the probe.</summary>
    public double ValAccuracy { get; init; }

    /// <summary>What ran the frozen pass.</summary>
    public string? FeaturesEngine { get; init; }

    /// <summary>Seconds spent.</summary>
    public double Seconds { get; init; }
}
