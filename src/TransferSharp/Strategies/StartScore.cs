namespace TransferSharp.Strategies;

/// <summary>The starting point's validation score (epoch 0).</summary>
/// <param name="ValAccuracy">Validation accuracy.</param>
/// <param name="ValLoss">Validation loss.</param>
/// <param name="Seconds">Seconds to score it.</param>
public sealed record StartScore(double ValAccuracy, double ValLoss, double Seconds);
