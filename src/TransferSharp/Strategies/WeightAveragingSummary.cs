namespace TransferSharp.Strategies;

/// <summary>The weight average kept instead of one epoch's weights.</summary>
/// <param name="Epochs">The averaged epochs.</param>
/// <param name="ValAccuracy">Validation accuracy of the average.</param>
/// <param name="ValLoss">Validation loss of the average.</param>
public sealed record WeightAveragingSummary(IReadOnlyList<int> Epochs, double ValAccuracy, double ValLoss);
