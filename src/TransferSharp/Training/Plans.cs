namespace TransferSharp.Training;

/// <summary>What the next epoch does: one mode per layer group (head last), or stop.</summary>
/// <param name="Modes">One mode per group.</param>
/// <param name="Stage">A label for the run record.</param>
/// <param name="Stop">Stop before this epoch.</param>
/// <param name="RestoreBest">When stopping, go back to the best checkpoint.</param>
/// <param name="Reason">Why it stops.</param>
public sealed record EpochPlan(IReadOnlyList<GroupMode> Modes, string Stage, bool Stop = false, bool RestoreBest = false, string? Reason = null);

/// <summary>
/// A strategy as a small plan: which groups train, whether BatchNorm trains, for the next epoch given the validation
/// history. Plans touch no tensors (the <see cref="Freezer"/> applies them), so they are testable without a network.
/// </summary>
public interface IStrategyPlan
{
    /// <summary>The plan for epoch <paramref name="epoch"/> (0-based), given the completed epochs.</summary>
    EpochPlan Next(int epoch, TrainingHistory history);
}

/// <summary>Helpers shared by plans.</summary>
public static class PlanModes
{
    /// <summary>Groups below <paramref name="firstTrained"/> frozen, the rest (and the head) fully trained.</summary>
    public static GroupMode[] TrainFrom(int groupCount, int firstTrained) =>
        Enumerable.Range(0, groupCount).Select(g => g >= firstTrained ? GroupMode.Full : GroupMode.Frozen).ToArray();

    /// <summary>A label such as "stage3..head".</summary>
    public static string Label(IReadOnlyList<GroupMode> modes, IReadOnlyList<string> names)
    {
        var trained = Enumerable.Range(0, modes.Count).Where(g => modes[g] != GroupMode.Frozen).ToList();
        if (trained.Count == 0) return "nothing";
        bool bnOnly = trained.Any(g => modes[g] == GroupMode.BatchNormOnly);
        string span = trained.Count == 1 ? names[trained[0]] : $"{names[trained[0]]}..{names[trained[^1]]}";
        return bnOnly ? $"{span} (BatchNorm only below the head)" : span;
    }
}

/// <summary>Fine-tuning: groups from <c>freezeTo</c> up train (0 = all).</summary>
public sealed class FineTunePlan : IStrategyPlan
{
    private readonly GroupMode[] modes;
    private readonly string stage;

    /// <summary>A plan over <paramref name="groupNames"/> (head last) training groups from index <paramref name="freezeTo"/> up.</summary>
    public FineTunePlan(IReadOnlyList<string> groupNames, int freezeTo)
    {
        if (freezeTo < 0 || freezeTo >= groupNames.Count) throw new ArgumentOutOfRangeException(nameof(freezeTo), $"--freeze-to {freezeTo}: must be between 0 and {groupNames.Count - 1}.");
        modes = PlanModes.TrainFrom(groupNames.Count, freezeTo);
        stage = PlanModes.Label(modes, groupNames);
    }

    /// <inheritdoc />
    public EpochPlan Next(int epoch, TrainingHistory history) => new(modes, stage);
}

/// <summary>BatchNorm-only adaptation: the backbone's BatchNorm affine parameters and the head train; nothing else.</summary>
public sealed class BatchNormOnlyPlan : IStrategyPlan
{
    private readonly GroupMode[] modes;
    private readonly string stage;

    /// <summary>A plan over <paramref name="groupNames"/> (head last).</summary>
    public BatchNormOnlyPlan(IReadOnlyList<string> groupNames)
    {
        modes = Enumerable.Range(0, groupNames.Count).Select(g => g == groupNames.Count - 1 ? GroupMode.Full : GroupMode.BatchNormOnly).ToArray();
        stage = PlanModes.Label(modes, groupNames);
    }

    /// <inheritdoc />
    public EpochPlan Next(int epoch, TrainingHistory history) => new(modes, stage);
}

/// <summary>One stage of gradual unfreezing, for the run record.</summary>
/// <param name="Stage">Label of the trained groups.</param>
/// <param name="GroupsTrained">Names of the groups that trained.</param>
/// <param name="Epochs">Epochs spent in the stage.</param>
/// <param name="BestValAccuracy">Best validation accuracy within the stage.</param>
public sealed record UnfreezeStage(string Stage, IReadOnlyList<string> GroupsTrained, int Epochs, double BestValAccuracy);

/// <summary>
/// Validation-guided progressive unfreezing, top-down: the head alone first; when validation stops improving for
/// <c>patience</c> epochs, the next group down joins. When a deeper stage ends worse than the stages before it (by more
/// than <c>tolerance</c>: one image of a small validation split is noise), training rolls back to the best checkpoint
/// and stops; it also stops once every group has trained to a plateau.
/// </summary>
public sealed class GradualUnfreezePlan : IStrategyPlan
{
    private readonly IReadOnlyList<string> names;
    private readonly int patience;
    private readonly double tolerance;
    private int unfrozen;            // backbone groups unfrozen, counted from the top
    private int stageStart;          // index in history where the current stage began
    private double bestBeforeStage = double.NegativeInfinity;
    private readonly List<UnfreezeStage> stages = new();

    /// <summary>A plan over <paramref name="groupNames"/> (head last).</summary>
    public GradualUnfreezePlan(IReadOnlyList<string> groupNames, int patience, double tolerance = 0)
    {
        if (patience < 1) throw new ArgumentOutOfRangeException(nameof(patience), $"--patience {patience}: must be at least 1.");
        if (tolerance is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(tolerance), $"tolerance {tolerance}: must be in [0, 1).");
        names = groupNames;
        this.patience = patience;
        this.tolerance = tolerance;
    }

    /// <summary>The stages so far (the current one included once it has epochs).</summary>
    public IReadOnlyList<UnfreezeStage> Stages => stages;

    /// <summary>Records the current (last) stage; call once training ended.</summary>
    public void Close(TrainingHistory history)
    {
        var current = history.Epochs.Skip(stageStart).ToList();
        if (current.Count > 0 && (stages.Count == 0 || stages[^1].Epochs != current.Count || stages[^1].Stage != current[0].Stage))
            stages.Add(Describe(current));
    }

    private GroupMode[] Modes() => PlanModes.TrainFrom(names.Count, names.Count - 1 - unfrozen);

    private UnfreezeStage Describe(List<EpochResult> epochs)
    {
        var modes = Modes();
        var trained = Enumerable.Range(0, names.Count).Where(g => modes[g] != GroupMode.Frozen).Select(g => names[g]).ToList();
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
                    return new EpochPlan(Modes(), current[0].Stage, Stop: true, RestoreBest: true,
                        Reason: $"unfreezing {names[names.Count - 1 - unfrozen]} made validation worse ({stageBest.ValAccuracy:P1} < {bestBeforeStage:P1}): rolled back to the best checkpoint");
                if (unfrozen == names.Count - 1)
                    return new EpochPlan(Modes(), current[0].Stage, Stop: true, RestoreBest: true, Reason: "every group has trained and validation stopped improving");
                bestBeforeStage = Math.Max(bestBeforeStage, stageBest.ValAccuracy);
                unfrozen++;
                stageStart = history.Epochs.Count;
            }
        }
        var modes = Modes();
        return new EpochPlan(modes, PlanModes.Label(modes, names));
    }
}
