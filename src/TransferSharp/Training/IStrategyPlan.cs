namespace TransferSharp.Training;

/// <summary>
/// A strategy as a small plan: which groups train, whether BatchNorm trains, for the next epoch given the validation
/// history. Plans touch no tensors (the <see cref="Freezer"/> applies them), so they are testable without a network.
/// </summary>
public interface IStrategyPlan
{
    /// <summary>The plan for epoch <paramref name="epoch"/> (0-based), given the completed epochs.</summary>
    EpochPlan Next(int epoch, TrainingHistory history);
}
