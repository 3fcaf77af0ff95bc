namespace TransferSharp.Multimodal;

/// <summary>Per column: cells missing, and categories not seen in training (read as "unknown").</summary>
public sealed record ColumnCounts(string Column, int Missing, int Unknown);
