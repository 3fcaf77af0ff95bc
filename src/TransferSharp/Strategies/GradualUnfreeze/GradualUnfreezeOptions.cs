namespace TransferSharp.Strategies.GradualUnfreeze;

/// <summary>Gradual unfreezing's options; its per-stage patience is the training options' patience (default
/// 2).</summary>
public sealed record GradualUnfreezeOptions : FineTuningOptions;
