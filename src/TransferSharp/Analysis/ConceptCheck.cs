namespace TransferSharp.Analysis;

/// <summary>The concept-shift check on labelled target images.</summary>
/// <param name="Images">Labelled target images.</param>
/// <param name="ObservedAccuracy">The source model's accuracy on them.</param>
/// <param name="ExpectedAccuracy">What its calibrated, label-shift-corrected confidence predicts if only the priors
/// moved.</param>
/// <param name="CorrectedAccuracy">Accuracy after the label-shift correction.</param>
/// <param name="Test">Whether the observed accuracy falls significantly short of the expected one.</param>
public sealed record ConceptCheck(
    int Images,
    double ObservedAccuracy,
    double ExpectedAccuracy,
    double CorrectedAccuracy,
    TestResult Test
);
