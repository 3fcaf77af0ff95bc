namespace TransferSharp.Training;

/// <summary>How far an epoch had got when a checkpoint was written within it: batches done, the step counter after
/// them, the running loss and correct counts, and the rates logged at the epoch's start.</summary>
internal sealed record EpochProgress(
    int Batches,
    long Step,
    double LossSum,
    double Correct,
    IReadOnlyDictionary<string, double> RateLog
);
