namespace TransferSharp.Backbones;

/// <summary>The smallest and largest value a tensor took on the calibration images.</summary>
public sealed record ActivationRange(float Min, float Max);
