namespace TransferSharp.Strategies;

/// <summary>L2-SP's strengths.</summary>
/// <param name="Alpha">Pull toward the pretrained backbone weights.</param>
/// <param name="Beta">L2 on the head's weights.</param>
public sealed record L2SpSummary(double Alpha, double Beta);
