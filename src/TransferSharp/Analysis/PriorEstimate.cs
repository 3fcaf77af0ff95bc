namespace TransferSharp.Analysis;

/// <summary>An estimate of the target domain's class priors.</summary>
/// <param name="Method">bbse-hard, bbse-soft or em-bcts.</param>
/// <param name="Priors">Estimated target priors p_T(y).</param>
/// <param name="Weights">w_y = p_T(y) / p_S(y) relative to the model's training priors: the Bayes re-weighting
/// factors.</param>
/// <param name="Iterations">EM iterations, 0 for the closed-form BBSE.</param>
public sealed record PriorEstimate(string Method, double[] Priors, double[] Weights, int Iterations);
