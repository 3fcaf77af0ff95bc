namespace TransferSharp.Learning;

/// <summary>How a preset's ensemble was fitted, and whether it replaced the best single candidate.</summary>
public sealed record EnsembleReport
{
    /// <summary>Every finished candidate, with its weight.</summary>
    public required IReadOnlyList<EnsembleWeight> Members { get; init; }

    /// <summary>Images the weights were fitted on: the validation images every candidate has held-out predictions
    /// for (out-of-fold predictions over all labelled images when every candidate is a frozen-feature one).</summary>
    public int ValidationImages { get; init; }

    /// <summary>The ensemble's accuracy on those images.</summary>
    public double ValAccuracy { get; init; }

    /// <summary>The ensemble's log-loss on those images.</summary>
    public double ValLoss { get; init; }

    /// <summary>The best single candidate's accuracy on those images.</summary>
    public double SingleValAccuracy { get; init; }

    /// <summary>The best single candidate's log-loss on those images.</summary>
    public double SingleValLoss { get; init; }

    /// <summary>Whether the ensemble is the run's model.</summary>
    public bool Kept { get; init; }

    /// <summary>Why it was kept or not, in words.</summary>
    public required string Reason { get; init; }

    /// <summary>How the weights are fitted and when the ensemble replaces the single model.</summary>
    public required string Rule { get; init; }

    /// <summary>The kept ensemble's test accuracy (the run's test_accuracy), when scored.</summary>
    public double? TestAccuracy { get; init; }

    /// <summary>The best single candidate's test accuracy, for comparison, when scored.</summary>
    public double? SingleTestAccuracy { get; init; }
}
