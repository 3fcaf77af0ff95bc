namespace TransferSharp.Multimodal;

/// <summary>One column's (or the image's) test: statistic, p-value, Holm-adjusted p-value, whether it is shifted at
/// the report's alpha, and the missing cells on each side.</summary>
public sealed record ColumnShift(
    string Column,
    string Test,
    double Statistic,
    double PValue,
    double PAdjusted,
    bool Shifted,
    int SourceMissing,
    int TargetMissing
);
