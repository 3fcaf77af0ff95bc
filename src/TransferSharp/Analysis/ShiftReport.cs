namespace TransferSharp.Analysis;

/// <summary>The diagnosis.</summary>
/// <param name="Verdict">covariate-shift, label-shift, covariate-and-label-shift, concept-shift,
/// covariate-and-concept-shift or no-shift.</param>
/// <param name="Explanation">The verdict in plain words, with the numbers.</param>
/// <param name="Recommendation">The recommended correction.</param>
/// <param name="Covariate">MMD two-sample test on features, source against target.</param>
/// <param name="PredictedLabels">Black-box shift detection: chi-square test of the predicted-label distributions
/// (validation against target).</param>
/// <param name="Residual">MMD test after re-weighting the source by the estimated label shift: what label shift does
/// not explain.</param>
/// <param name="Priors">Estimated target priors.</param>
/// <param name="Concept">The concept-shift check, when labelled target images were given.</param>
public sealed record ShiftReport(
    string Verdict,
    string Explanation,
    string Recommendation,
    TestResult Covariate,
    TestResult PredictedLabels,
    TestResult? Residual,
    PriorReport Priors,
    ConceptCheck? Concept
);
