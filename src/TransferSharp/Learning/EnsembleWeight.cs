namespace TransferSharp.Learning;

/// <summary>One candidate's place in a preset's ensemble.</summary>
/// <param name="Name">The candidate.</param>
/// <param name="Weight">Its share of the averaged probabilities (0: not picked).</param>
/// <param name="ValAccuracy">Its own accuracy on the images the weights were fitted on.</param>
/// <param name="ValLoss">Its own log-loss on those images.</param>
public sealed record EnsembleWeight(string Name, double Weight, double ValAccuracy, double ValLoss);
