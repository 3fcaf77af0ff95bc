namespace TransferSharp.Sweeps;

/// <summary>The runs of one strategy and learning rate across seeds: how many finished, the mean and the sample
/// standard deviation of their scores.</summary>
public sealed record SweepGroup(
    string Strategy,
    double? LearningRate,
    int Runs,
    int Done,
    double? ValMean,
    double? ValStd,
    double? TestMean,
    double? TestStd
);
