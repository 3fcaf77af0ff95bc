namespace TransferSharp.Multimodal;

/// <summary>The shift tests of a multimodal run's columns and image, Holm-corrected.</summary>
public sealed record RecordShiftReport(
    string Source,
    string Target,
    int SourceRows,
    int TargetRows,
    string Correction,
    double Alpha,
    IReadOnlyList<ColumnShift> Tests
);
