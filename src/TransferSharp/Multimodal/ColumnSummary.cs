namespace TransferSharp.Multimodal;

/// <summary>One record column: name, kind, encoded width, categories kept of those seen, missing in training, and the
/// width of its learned embedding (categorical above the limit).</summary>
public sealed record ColumnSummary(
    string Name,
    ColumnKind Type,
    int Width,
    int? Categories,
    int? Distinct,
    int Missing,
    int? Embedding = null
);
