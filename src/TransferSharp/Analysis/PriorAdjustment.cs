namespace TransferSharp.Analysis;

/// <summary>A label-shift correction ready to apply: calibrate, then re-weight by the estimated prior ratio.</summary>
/// <param name="Calibration">BCTS fitted on the model's validation split.</param>
/// <param name="Estimate">The estimated target priors and weights.</param>
public sealed record PriorAdjustment(Calibration Calibration, PriorEstimate Estimate)
{
    /// <summary>Corrected probabilities of one row of log-probabilities.</summary>
    public double[] Apply(double[] logProbabilities) =>
        LabelShift.Adjust(Calibration.Probabilities(logProbabilities), Estimate.Weights);

    /// <summary>Estimates the target priors from the model's log-probabilities on unlabelled target images (EM +
    /// BCTS).</summary>
    public static PriorAdjustment FromTarget(CalibrationSet validation, double[][] targetLogProbabilities)
    {
        var (estimate, calibration) = LabelShift.EmWithBcts(validation, targetLogProbabilities);
        return new PriorAdjustment(calibration, estimate);
    }
}
