namespace TransferSharp.Runs;

/// <summary>One member of an ensemble run, as model.json names it.</summary>
/// <param name="Name">The candidate it was (strategy, feature layers, seed).</param>
/// <param name="Folder">Its run folder, relative to the ensemble's ("." for the model at the top level).</param>
/// <param name="Weight">Its share of the averaged probabilities (the weights sum to 1).</param>
public sealed record EnsembleEntry(string Name, string Folder, double Weight);
