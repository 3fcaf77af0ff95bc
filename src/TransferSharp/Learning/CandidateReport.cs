namespace TransferSharp.Learning;

/// <summary>One candidate of a preset run: what it was, what it was expected to cost, what it scored, what became of
/// it.</summary>
public sealed record CandidateReport
{
    /// <summary>Its name: the strategy, with feature layers and grid for feature extraction.</summary>
    public required string Name { get; init; }

    /// <summary>The strategy.</summary>
    public required string Strategy { get; init; }

    /// <summary>Epochs it was given (network strategies; cut to the time left under a limit).</summary>
    public int? Epochs { get; init; }

    /// <summary>Seconds the measured speeds predicted (only under a time limit).</summary>
    public double? EstimatedSeconds { get; init; }

    /// <summary>Seconds it took (finished or stopped).</summary>
    public double? Seconds { get; init; }

    /// <summary>Validation accuracy (finished candidates).</summary>
    public double? ValAccuracy { get; init; }

    /// <summary>best (the best so far when it finished), not-better (within the noise of the best, or below), skipped
    /// (could not finish in the time left), stopped (the time limit stopped it), failed.</summary>
    public required string Status { get; init; }

    /// <summary>Why, in words.</summary>
    public string? Reason { get; init; }
}
