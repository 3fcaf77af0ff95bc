using TransferSharp.Analysis;

namespace TransferSharp.Learning;

/// <summary>The first-layer filter analysis in the record.</summary>
/// <param name="Layer">The first convolution.</param>
/// <param name="Filters">Its filters.</param>
/// <param name="ColourOpponent">Filters a replicated gray input blinds.</param>
/// <param name="Threshold">Gray-excitable share below which a filter counts as colour-opponent.</param>
/// <param name="GrayExcitableEnergyShare">The energy-weighted gray-excitable share of the layer.</param>
public sealed record FilterSummary(
    string Layer,
    int Filters,
    int ColourOpponent,
    double Threshold,
    double GrayExcitableEnergyShare
)
{
    /// <summary>The summary of a filter report.</summary>
    public static FilterSummary From(FilterReport report) =>
        new(
            report.Layer,
            report.Filters.Count,
            report.ColourOpponentCount,
            report.Threshold,
            Math.Round(report.EnergyWeightedShare, 4)
        );
}
