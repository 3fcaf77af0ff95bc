namespace TransferSharp.Reports;

/// <summary>A model's predictions on labelled images, as the report reads them.</summary>
/// <param name="Source">Which images: "test" or "held-out validation".</param>
/// <param name="Labels">Each image's true class.</param>
/// <param name="LogProbabilities">The model's log-probabilities, one row per image.</param>
/// <param name="Ids">Each image's id (file or IDX record); absent in old run folders.</param>
internal sealed record ScoredImages(string Source, int[] Labels, double[][] LogProbabilities, string[]? Ids);
