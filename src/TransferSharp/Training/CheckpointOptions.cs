namespace TransferSharp.Training;

/// <summary>Where a fit keeps its checkpoints, and whether it continues the one there.</summary>
public sealed record CheckpointOptions
{
    /// <summary>The checkpoint folder (the CLI uses a hidden folder beside the run folder).</summary>
    public required string Folder { get; init; }

    /// <summary>Continue the interrupted fit whose checkpoint is in <see cref="Folder"/>.</summary>
    public bool Resume { get; init; }

    /// <summary>Also save within an epoch once this much time has passed since the last checkpoint (long epochs); null:
    /// at epoch ends only. Default 10 minutes.</summary>
    public TimeSpan? WithinEpochEvery { get; init; } = TimeSpan.FromMinutes(10);
}
