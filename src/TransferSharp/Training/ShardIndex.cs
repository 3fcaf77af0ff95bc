namespace TransferSharp.Training;

/// <summary>Which share of a sharded extraction a worker computes: shard <paramref name="Index"/> of <paramref
/// name="Count"/> (0-based).</summary>
public sealed record ShardIndex(int Index, int Count)
{
    /// <summary>Most shards: a million images in batches of 32 keep every shard at least one batch.</summary>
    public const int MaximumCount = 10_000;

    /// <summary>"I/N" (0-based I), e.g. "2/4".</summary>
    public static ShardIndex Parse(string text, string option = "--shard")
    {
        string[] parts = text.Split('/');
        if (
            parts.Length != 2
            || !int.TryParse(parts[0], out int index)
            || !int.TryParse(parts[1], out int count)
            || count < 1
            || count > MaximumCount
            || index < 0
            || index >= count
        )
            throw new OptionException(
                option,
                text,
                $"must be I/N with 0 <= I < N <= {MaximumCount} (shard I of N, 0-based), e.g. 0/4."
            );
        return new ShardIndex(index, count);
    }

    /// <summary>
    /// The shard a scheduler gave this process: a Kubernetes Indexed Job's <c>JOB_COMPLETION_INDEX</c> (the count from
    /// <c>TRANSFERSHARP_SHARDS</c>, which the Job sets to its completions), or a Slurm job array's
    /// <c>SLURM_ARRAY_TASK_ID</c> and <c>SLURM_ARRAY_TASK_COUNT</c> (less <c>SLURM_ARRAY_TASK_MIN</c>, so arrays may
    /// start at 1); null when neither is set.
    /// </summary>
    public static ShardIndex? FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        if (read("JOB_COMPLETION_INDEX") is { } k8s)
        {
            string count =
                read("TRANSFERSHARP_SHARDS")
                ?? throw new OptionException(
                    "TRANSFERSHARP_SHARDS",
                    "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job): set TRANSFERSHARP_SHARDS to the Job's "
                        + "completions, or pass --shard I/N."
                );
            return Parse($"{k8s}/{count}", "JOB_COMPLETION_INDEX");
        }
        if (read("SLURM_ARRAY_TASK_ID") is { } slurm)
        {
            string count =
                read("SLURM_ARRAY_TASK_COUNT")
                ?? throw new OptionException(
                    "SLURM_ARRAY_TASK_COUNT",
                    "SLURM_ARRAY_TASK_ID is set without it: run as a job array (sbatch --array), or pass --shard I/N."
                );
            int first = int.TryParse(read("SLURM_ARRAY_TASK_MIN"), out int min) ? min : 0;
            if (!int.TryParse(slurm, out int id))
                throw new OptionException("SLURM_ARRAY_TASK_ID", slurm, "must be a whole number.");
            return Parse($"{id - first}/{count}", "SLURM_ARRAY_TASK_ID");
        }
        return null;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Index}/{Count}";
}
