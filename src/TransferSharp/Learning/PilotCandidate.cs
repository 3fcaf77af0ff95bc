namespace TransferSharp.Learning;

/// <summary>One pilot.</summary>
/// <param name="Strategy">The candidate strategy.</param>
/// <param name="ValAccuracy">Its validation accuracy.</param>
/// <param name="Seconds">Its wall time.</param>
/// <param name="Epochs">Its epochs (network pilots).</param>
/// <param name="TrainFraction">The share of the training split it trained on.</param>
/// <param name="MarginNeeded">How much it had to beat the advised pilot by (alternatives only).</param>
public sealed record PilotCandidate(
    string Strategy,
    double ValAccuracy,
    double Seconds,
    int? Epochs,
    double TrainFraction,
    double? MarginNeeded
);
