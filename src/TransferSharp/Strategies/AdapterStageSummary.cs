using TransferSharp.Training;

namespace TransferSharp.Strategies;

/// <summary>The stage that fits a conv1x1 adapter with the head on the frozen backbone before LP-FT's
/// fine-tuning.</summary>
/// <param name="Epochs">Its epochs' curve entries.</param>
/// <param name="KeptEpoch">The epoch whose weights the next stage starts from (the best on validation; 0 = the
/// start).</param>
/// <param name="ValAccuracy">Validation accuracy of those weights.</param>
/// <param name="HeadLearningRate">The head's rate in the stage.</param>
/// <param name="AdapterRateMultiplier">The adapter's rate as a multiple of the head's.</param>
/// <param name="Seconds">Seconds spent.</param>
public sealed record AdapterStageSummary(
    IReadOnlyList<EpochResult> Epochs,
    int? KeptEpoch,
    double ValAccuracy,
    double HeadLearningRate,
    double AdapterRateMultiplier,
    double Seconds
);
