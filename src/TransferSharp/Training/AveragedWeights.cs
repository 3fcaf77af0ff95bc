namespace TransferSharp.Training;

/// <summary>The result of weight averaging.</summary>
/// <param name="Epochs">The averaged epochs (1-based).</param>
/// <param name="ValLoss">Validation loss of the averaged weights.</param>
/// <param name="ValAccuracy">Validation accuracy of the averaged weights.</param>
public sealed record AveragedWeights(IReadOnlyList<int> Epochs, double ValLoss, double ValAccuracy);
