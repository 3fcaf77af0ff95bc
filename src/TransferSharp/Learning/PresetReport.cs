namespace TransferSharp.Learning;

/// <summary>How a preset run went: its budget, every candidate and the one kept.</summary>
public sealed record PresetReport
{
    /// <summary>fast, balanced or best.</summary>
    public required string Preset { get; init; }

    /// <summary>The wall-time budget, when one was given.</summary>
    public double? TimeLimitSeconds { get; init; }

    /// <summary>Every candidate planned, in the order tried.</summary>
    public required IReadOnlyList<CandidateReport> Candidates { get; init; }

    /// <summary>The candidate kept.</summary>
    public string? Winner { get; init; }

    /// <summary>The rule by which a later candidate replaces the best so far.</summary>
    public required string Rule { get; init; }

    /// <summary>This machine's measured seconds per image (forward pass, training step) used for the plan.</summary>
    public SpeedProfile? Speeds { get; init; }

    /// <summary>The same with the head on the advised intermediate layers (the later groups do not run): what a
    /// network candidate reading them is planned with; null when the advised layers are the last group's.</summary>
    public SpeedProfile? IntermediateSpeeds { get; init; }

    /// <summary>Whether the test images were scored by a last pass of the kept model (feature extraction's
    /// candidates are trained without them, so that a candidate that loses costs no test pass).</summary>
    public bool TestedAfterSearch { get; init; }

    /// <summary>Why the kept model has no test score when test images were given (the time limit left no time for
    /// the pass), and how to get one.</summary>
    public string? TestSkipped { get; init; }

    /// <summary>The ensemble of the finished candidates: weights, held-out scores, whether it was kept; null when
    /// fewer than two finished or ensembles were turned off.</summary>
    public EnsembleReport? Ensemble { get; init; }
}
