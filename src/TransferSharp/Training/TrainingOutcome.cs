namespace TransferSharp.Training;

/// <summary>How a fit ended.</summary>
/// <param name="History">Every epoch.</param>
/// <param name="StopReason">Why it stopped before the epoch budget, or null.</param>
/// <param name="RestoredEpoch">The epoch whose weights the model holds at the end.</param>
/// <param name="Failure">A non-finite loss that stopped training, or null.</param>
/// <param name="Averaged">With weight averaging: the averaged epochs and the average's validation scores; else
/// null.</param>
public sealed record TrainingOutcome(
    TrainingHistory History,
    string? StopReason,
    int? RestoredEpoch,
    NonFiniteLossException? Failure,
    AveragedWeights? Averaged = null
);
