namespace TransferSharp.Training;

/// <summary>The fitted head and how it was chosen.</summary>
/// <param name="Head">The final head.</param>
/// <param name="WeightDecay">The chosen penalty.</param>
/// <param name="ValidationAccuracy">Validation accuracy of the head fitted on the training split alone, at the chosen
/// penalty.</param>
/// <param name="ValidationLoss">Its validation loss.</param>
/// <param name="TrainAccuracy">Training accuracy of that head.</param>
/// <param name="Trials">Every penalty tried.</param>
public sealed record LinearProbeResult(
    ClassifierHead Head,
    double WeightDecay,
    double ValidationAccuracy,
    double ValidationLoss,
    double TrainAccuracy,
    IReadOnlyList<WeightDecayTrial> Trials
);
