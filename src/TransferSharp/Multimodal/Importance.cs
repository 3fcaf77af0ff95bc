namespace TransferSharp.Multimodal;

/// <summary>A feature's permutation importance: the validation accuracy lost when it is shuffled (mean of the
/// repeats).</summary>
public sealed record Importance(string Feature, double AccuracyDrop);
