namespace TransferSharp.Runs;

/// <summary>One loaded member of an ensemble: its model and its weight in the averaged probabilities.</summary>
/// <param name="Name">The candidate it was.</param>
/// <param name="Model">Its model (the ensemble's own backbone and head for the member at the top level).</param>
/// <param name="Weight">Its share of the averaged probabilities.</param>
public sealed record EnsembleMember(string Name, SavedModel Model, double Weight);
