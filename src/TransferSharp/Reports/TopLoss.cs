namespace TransferSharp.Reports;

/// <summary>One image among those the model scored worst.</summary>
/// <param name="Index">Its row in the prediction set.</param>
/// <param name="Id">Its file or IDX record, when the set kept ids.</param>
/// <param name="Label">Its true class.</param>
/// <param name="Predicted">The most probable class.</param>
/// <param name="TrueProbability">The probability of the true class.</param>
/// <param name="PredictedProbability">The probability of the predicted class.</param>
/// <param name="Loss">Cross-entropy: minus the log-probability of the true class.</param>
internal sealed record TopLoss(
    int Index,
    string? Id,
    int Label,
    int Predicted,
    double TrueProbability,
    double PredictedProbability,
    double Loss
);
