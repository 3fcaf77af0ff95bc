namespace TransferSharp.Analysis;

/// <summary>The transferability of one layer group's pooled features.</summary>
/// <param name="Group">The layer group (its globally average-pooled output).</param>
/// <param name="Width">Feature width.</param>
/// <param name="LogMe">LogME: the mean per-sample log evidence of a Bayesian linear model from the features to the
/// labels (higher transfers better).</param>
/// <param name="NoiseBelowLast"> Measured only for the best intermediate group when the last group ranks first: the
/// bootstrap standard error of the last group's LogME minus this group's (the same resampled images for both); null
/// otherwise.
/// </param>
public sealed record GroupTransferability(string Group, int Width, double LogMe, double? NoiseBelowLast = null);
