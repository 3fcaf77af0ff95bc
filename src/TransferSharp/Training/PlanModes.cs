namespace TransferSharp.Training;

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
        if (trained.Count == 0)
            return "nothing";
        bool bnOnly = trained.Any(g => modes[g] == GroupMode.BatchNormOnly);
        string span = trained.Count == 1 ? names[trained[0]] : $"{names[trained[0]]}..{names[trained[^1]]}";
        return bnOnly ? $"{span} (BatchNorm only below the head)" : span;
    }
}
