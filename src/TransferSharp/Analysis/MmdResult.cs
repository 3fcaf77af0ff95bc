namespace TransferSharp.Analysis;

/// <summary>The result of a kernel two-sample test.</summary>
/// <param name="Mmd2">The (biased) squared maximum mean discrepancy between the two samples.</param>
/// <param name="PValue">Permutation p-value: the share of label permutations whose MMD² reaches the observed
/// one.</param>
/// <param name="Bandwidth">The Gaussian kernel's bandwidth (median pairwise distance of the pooled sample).</param>
/// <param name="Permutations">Permutations drawn.</param>
/// <param name="SourceCount">Rows of the first sample used (subsampled beyond the cap).</param>
/// <param name="TargetCount">Rows of the second sample used.</param>
public sealed record MmdResult(
    double Mmd2,
    double PValue,
    double Bandwidth,
    int Permutations,
    int SourceCount,
    int TargetCount
);
