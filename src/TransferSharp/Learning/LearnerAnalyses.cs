using TransferSharp.Analysis;

namespace TransferSharp.Learning;

/// <summary>What a fit's analyses measured (on the pretrained backbone, before training).</summary>
/// <param name="DomainDistance">The domain distance, when measured.</param>
/// <param name="DomainDistanceSummary">Its record entry (or why it was skipped).</param>
/// <param name="Filters">The first-layer filter analysis, when run.</param>
/// <param name="Frequency">The frequency analysis, when run.</param>
/// <param name="FilterGrid">The pretrained first-layer filters as a PNG grid, when analysed.</param>
public sealed record LearnerAnalyses(
    DomainDistanceResult? DomainDistance,
    DomainDistanceSummary? DomainDistanceSummary,
    FilterReport? Filters,
    FrequencyReport? Frequency,
    byte[]? FilterGrid = null
);
