namespace TransferSharp.Learning;

/// <summary>The pilots of an auto run: each candidate's score, the winner and the rule; or why they were
/// skipped.</summary>
public sealed record PilotReport
{
    /// <summary>Why pilots did not run.</summary>
    public string? Skipped { get; init; }

    /// <summary>Each candidate, the advised one first.</summary>
    public IReadOnlyList<PilotCandidate>? Candidates { get; init; }

    /// <summary>The strategy run in full.</summary>
    public string? Winner { get; init; }

    /// <summary>Validation images the pilots were scored on.</summary>
    public int? ValidationImages { get; init; }

    /// <summary>Seconds of all pilots.</summary>
    public double? Seconds { get; init; }

    /// <summary>The pilots' run folders, relative to the run folder.</summary>
    public string? Folder { get; init; }

    /// <summary>The rule that picks the winner.</summary>
    public string? Rule { get; init; }
}
