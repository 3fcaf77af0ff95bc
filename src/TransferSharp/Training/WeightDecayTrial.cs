namespace TransferSharp.Training;

/// <summary>One point of the weight-decay search.</summary>
/// <param name="WeightDecay">The L2 penalty.</param>
/// <param name="ValidationLoss">Cross-entropy on the validation split.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation split.</param>
/// <param name="Evaluations">Loss and gradient evaluations of the L-BFGS fit (null for Adam's fixed steps).</param>
public sealed record WeightDecayTrial(
    double WeightDecay,
    double ValidationLoss,
    double ValidationAccuracy,
    int? Evaluations = null
);
