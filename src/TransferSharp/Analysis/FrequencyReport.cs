namespace TransferSharp.Analysis;

/// <summary>The frequency analysis with its verdict.</summary>
/// <param name="Response">The backbone's gain per group and band.</param>
/// <param name="Data">The user's images' spectral profile, when images were given.</param>
/// <param name="Cutoff">The frequency the verdict speaks of (cycles per pixel).</param>
/// <param name="ShareAboveCutoff">Share of the images' energy above it.</param>
/// <param name="NaturalShareAboveCutoff">Share of natural images' energy above it.</param>
/// <param name="AttenuationDb">The backbone's gain at the cutoff band by stage 2 (relative to the lowest band).</param>
/// <param name="TuneEarlyLayers">Whether the early layers should be tuned.</param>
/// <param name="Verdict">In plain words.</param>
public sealed record FrequencyReport(
    FrequencyResponse Response,
    SpectralProfile? Data,
    double Cutoff,
    double? ShareAboveCutoff,
    double NaturalShareAboveCutoff,
    double AttenuationDb,
    bool TuneEarlyLayers,
    string Verdict
);
