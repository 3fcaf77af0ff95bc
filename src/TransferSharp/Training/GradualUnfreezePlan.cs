namespace TransferSharp.Training;

/// <summary>
/// Validation-guided progressive unfreezing, top-down: the head alone first; when validation stops improving for
/// <c>patience</c> epochs, the next group down joins. When a deeper stage ends worse than the stages before it (by more
/// than <c>tolerance</c>: one image of a small validation split is noise), training rolls back to the best checkpoint
/// and stops; it also stops once every group has trained to a plateau.
/// </summary>
public sealed class GradualUnfreezePlan : IStrategyPlan, ITrainingCallback
{
    private readonly IReadOnlyList<string> names;
    private readonly int patience;
    private readonly double tolerance;
    private int unfrozen; // backbone groups unfrozen, counted from the top
    private int stageStart; // index in history where the current stage began
    private double bestBeforeStage = double.NegativeInfinity;
    private readonly List<UnfreezeStage> stages = new();

    /// <summary>A plan over <paramref name="groupNames"/> (head last).</summary>
    public GradualUnfreezePlan(IReadOnlyList<string> groupNames, int patience, double tolerance = 0)
    {
        if (patience < 1)
            throw new ArgumentOutOfRangeException(nameof(patience), $"--patience {patience}: must be at least 1.");
        if (tolerance is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(tolerance), $"tolerance {tolerance}: must be in [0, 1).");
        names = groupNames;
        this.patience = patience;
        this.tolerance = tolerance;
    }

    /// <summary>The stages so far (the current one included once it has epochs).</summary>
    public IReadOnlyList<UnfreezeStage> Stages => stages;

    /// <inheritdoc />
    public void OnTrainingEnd(TrainingContext context) => Close(context.History);

    /// <summary>Records the current (last) stage; call once training ended.</summary>
    public void Close(TrainingHistory history)
    {
        var current = history.Epochs.Skip(stageStart).ToList();
        if (
            current.Count > 0
            && (stages.Count == 0 || stages[^1].Epochs != current.Count || stages[^1].Stage != current[0].Stage)
        )
            stages.Add(Describe(current));
    }

    private GroupMode[] Modes() => PlanModes.TrainFrom(names.Count, names.Count - 1 - unfrozen);

    private UnfreezeStage Describe(List<EpochResult> epochs)
    {
        var modes = Modes();
        var trained = Enumerable
            .Range(0, names.Count)
            .Where(g => modes[g] != GroupMode.Frozen)
            .Select(g => names[g])
            .ToList();
        return new UnfreezeStage(epochs[0].Stage, trained, epochs.Count, TrainingHistory.BestOf(epochs)!.ValAccuracy);
    }

    /// <inheritdoc />
    public EpochPlan Next(int epoch, TrainingHistory history)
    {
        var current = history.Epochs.Skip(stageStart).ToList();
        if (current.Count > 0)
        {
            EpochResult stageBest = TrainingHistory.BestOf(current)!;
            int sinceBest = current.Count - 1 - current.IndexOf(stageBest);
            if (sinceBest >= patience)
            {
                stages.Add(Describe(current));
                if (unfrozen > 0 && stageBest.ValAccuracy < bestBeforeStage - tolerance)
                    return new EpochPlan(
                        Modes(),
                        current[0].Stage,
                        Stop: true,
                        RestoreBest: true,
                        Reason: $"unfreezing {names[names.Count - 1 - unfrozen]} made validation worse "
                            + $"({stageBest.ValAccuracy:P1} < {bestBeforeStage:P1}): rolled back to the best checkpoint"
                    );
                if (unfrozen == names.Count - 1)
                    return new EpochPlan(
                        Modes(),
                        current[0].Stage,
                        Stop: true,
                        RestoreBest: true,
                        Reason: "every group has trained and validation stopped improving"
                    );
                bestBeforeStage = Math.Max(bestBeforeStage, stageBest.ValAccuracy);
                unfrozen++;
                stageStart = history.Epochs.Count;
            }
        }
        var modes = Modes();
        return new EpochPlan(modes, PlanModes.Label(modes, names));
    }
}
