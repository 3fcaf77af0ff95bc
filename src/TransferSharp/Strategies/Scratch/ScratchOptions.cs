namespace TransferSharp.Strategies.Scratch;

/// <summary>The from-scratch baseline's options (none of its own).</summary>
public sealed record ScratchOptions : StrategyOptions;
