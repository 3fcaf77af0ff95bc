namespace TransferSharp.Training;

/// <summary>BatchNorm-only adaptation: the backbone's BatchNorm affine parameters and the head train; nothing
/// else.</summary>
public sealed class BatchNormOnlyPlan : IStrategyPlan
{
    private readonly GroupMode[] modes;
    private readonly string stage;

    /// <summary>A plan over <paramref name="groupNames"/> (head last).</summary>
    public BatchNormOnlyPlan(IReadOnlyList<string> groupNames)
    {
        modes = Enumerable
            .Range(0, groupNames.Count)
            .Select(g => g == groupNames.Count - 1 ? GroupMode.Full : GroupMode.BatchNormOnly)
            .ToArray();
        stage = PlanModes.Label(modes, groupNames);
    }

    /// <inheritdoc />
    public EpochPlan Next(int epoch, TrainingHistory history) => new(modes, stage);
}
