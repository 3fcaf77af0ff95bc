using TransferSharp.Analysis;

namespace TransferSharp.Learning;

/// <summary>The frequency analysis in the record.</summary>
/// <param name="HighToLowDb">Each group's gain at high against low frequencies.</param>
/// <param name="Cutoff">The cutoff frequency (cycles per pixel).</param>
/// <param name="ShareAboveCutoff">The images' energy share above the cutoff.</param>
/// <param name="NaturalShareAboveCutoff">Natural images' share above it.</param>
/// <param name="AttenuationDb">The stem's attenuation above the cutoff.</param>
/// <param name="TuneEarlyLayers">Whether the early layers must train.</param>
/// <param name="Verdict">The verdict, in words.</param>
/// <param name="Plot">The plot's file name in the run folder.</param>
public sealed record FrequencySummary(
    IReadOnlyDictionary<string, double> HighToLowDb,
    double Cutoff,
    double? ShareAboveCutoff,
    double NaturalShareAboveCutoff,
    double AttenuationDb,
    bool TuneEarlyLayers,
    string Verdict,
    string Plot
)
{
    /// <summary>The summary of a frequency report.</summary>
    public static FrequencySummary From(FrequencyReport report) =>
        new(
            report.Response.HighToLowDb,
            report.Cutoff,
            report.ShareAboveCutoff,
            report.NaturalShareAboveCutoff,
            report.AttenuationDb,
            report.TuneEarlyLayers,
            report.Verdict,
            "frequency.png"
        );
}
