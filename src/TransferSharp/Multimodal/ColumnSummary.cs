namespace TransferSharp.Multimodal;

/// <summary>One record column: name, kind, encoded width, categories kept of those seen, missing in
/// training.</summary>
public sealed record ColumnSummary(
    string Name,
    ColumnKind Type,
    int Width,
    int? Categories,
    int? Distinct,
    int Missing
);
