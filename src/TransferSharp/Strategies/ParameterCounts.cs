namespace TransferSharp.Strategies;

/// <summary>Parameter counts of a backbone with a new head, from which each strategy's P (what it trains)
/// follows.</summary>
/// <param name="Backbone">All backbone parameters.</param>
/// <param name="BatchNorm">The backbone's BatchNorm affine parameters.</param>
/// <param name="Head">The new head's parameters.</param>
public sealed record ParameterCounts(long Backbone, long BatchNorm, long Head);
