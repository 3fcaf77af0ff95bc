namespace TransferSharp.Training;

/// <summary>What one epoch measured.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Stage">The plan's stage label (e.g. "head+stage4").</param>
/// <param name="TrainLoss">Mean training loss (penalties excluded).</param>
/// <param name="TrainAccuracy">Training accuracy (on augmented batches).</param>
/// <param name="ValLoss">Validation loss.</param>
/// <param name="ValAccuracy">Validation accuracy.</param>
/// <param name="LearningRates">The rate of every layer group at the epoch's start, by group name.</param>
/// <param name="TrainableParameters">Parameters that trained this epoch.</param>
/// <param name="FrozenPrefixGroups">Leading groups run without autograd (0 = none).</param>
/// <param name="PrefixCached">Whether the frozen prefix's outputs came from the in-memory cache.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
public sealed record EpochResult(
    int Epoch,
    string Stage,
    double TrainLoss,
    double TrainAccuracy,
    double ValLoss,
    double ValAccuracy,
    IReadOnlyDictionary<string, double> LearningRates,
    long TrainableParameters,
    int FrozenPrefixGroups,
    bool PrefixCached,
    double Seconds
);
