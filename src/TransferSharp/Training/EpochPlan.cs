namespace TransferSharp.Training;

/// <summary>What the next epoch does: one mode per layer group (head last), or stop.</summary>
/// <param name="Modes">One mode per group.</param>
/// <param name="Stage">A label for the run record.</param>
/// <param name="Stop">Stop before this epoch.</param>
/// <param name="RestoreBest">When stopping, go back to the best checkpoint.</param>
/// <param name="Reason">Why it stops.</param>
public sealed record EpochPlan(
    IReadOnlyList<GroupMode> Modes,
    string Stage,
    bool Stop = false,
    bool RestoreBest = false,
    string? Reason = null
);
