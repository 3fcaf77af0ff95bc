namespace TransferSharp.Training;

/// <summary>Fine-tuning: groups from <c>freezeTo</c> up train (0 = all).</summary>
public sealed class FineTunePlan : IStrategyPlan
{
    private readonly GroupMode[] modes;
    private readonly string stage;

    /// <summary>A plan over <paramref name="groupNames"/> (head last) training groups from index <paramref
    /// name="freezeTo"/> up.</summary>
    public FineTunePlan(IReadOnlyList<string> groupNames, int freezeTo)
    {
        if (freezeTo < 0 || freezeTo >= groupNames.Count)
            throw new ArgumentOutOfRangeException(
                nameof(freezeTo),
                $"--freeze-to {freezeTo}: must be between 0 and {groupNames.Count - 1}."
            );
        modes = PlanModes.TrainFrom(groupNames.Count, freezeTo);
        stage = PlanModes.Label(modes, groupNames);
    }

    /// <inheritdoc />
    public EpochPlan Next(int epoch, TrainingHistory history) => new(modes, stage);
}
