namespace TransferSharp.Analysis;

/// <summary>The estimated target priors with bootstrap intervals.</summary>
/// <param name="ClassNames">Classes, by index.</param>
/// <param name="SourcePriors">The model's training priors.</param>
/// <param name="EmBcts">EM on BCTS-calibrated probabilities (the recommended estimate).</param>
/// <param name="Low">Lower ends of the 95% bootstrap intervals of the EM priors.</param>
/// <param name="High">Upper ends.</param>
/// <param name="BbseHard">BBSE on the hard confusion matrix.</param>
/// <param name="BbseSoft">BBSE on the soft confusion matrix.</param>
/// <param name="Calibration">The BCTS calibration fitted on the validation split.</param>
public sealed record PriorReport(
    IReadOnlyList<string> ClassNames,
    double[] SourcePriors,
    PriorEstimate EmBcts,
    double[] Low,
    double[] High,
    PriorEstimate BbseHard,
    PriorEstimate BbseSoft,
    Calibration Calibration
);
