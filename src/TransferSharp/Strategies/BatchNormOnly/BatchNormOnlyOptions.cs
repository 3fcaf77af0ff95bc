namespace TransferSharp.Strategies.BatchNormOnly;

/// <summary>BatchNorm-only adaptation's options.</summary>
public sealed record BatchNormOnlyOptions : StrategyOptions
{
    /// <summary>Re-estimate the BatchNorm statistics on the training images first (AdaBN). Default false.</summary>
    public bool AdaBn { get; init; }
}
