namespace TransferSharp.Analysis;

/// <summary>The first layer's filters against a replicated gray input.</summary>
/// <param name="Layer">The first convolution's node.</param>
/// <param name="Filters">Per filter.</param>
/// <param name="Threshold">Share below which a filter counts as colour-opponent.</param>
/// <param name="ColourOpponentCount">Filters a replicated gray input blinds.</param>
/// <param name="EnergyWeightedShare">The share of the whole layer's energy a gray input can excite.</param>
public sealed record FilterReport(
    string Layer,
    IReadOnlyList<FilterExcitation> Filters,
    double Threshold,
    int ColourOpponentCount,
    double EnergyWeightedShare
);
