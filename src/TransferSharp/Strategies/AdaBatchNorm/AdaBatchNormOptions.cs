namespace TransferSharp.Strategies.AdaBatchNorm;

/// <summary>AdaBN's options (none of its own).</summary>
public sealed record AdaBatchNormOptions : StrategyOptions;
