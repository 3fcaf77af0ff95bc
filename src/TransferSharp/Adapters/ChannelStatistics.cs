namespace TransferSharp.Adapters;

/// <summary>Per-channel normalisation statistics, computed on the training split and stored with the model.</summary>
/// <param name="Mean">Per channel.</param>
/// <param name="Std">Per channel (floored to avoid division by zero).</param>
public sealed record ChannelStatistics(double[] Mean, double[] Std);
