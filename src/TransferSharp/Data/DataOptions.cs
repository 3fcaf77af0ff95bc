namespace TransferSharp.Data;

/// <summary>Where the images come from, how they are split, and where their frozen features are cached.</summary>
public sealed record DataOptions
{
    /// <summary>Training data: an image folder, a CSV of path,label, or IDX files. Null: the embedded Fashion-MNIST
    /// subset.</summary>
    public string? Train { get; init; }

    /// <summary>A separate labelled test set (same formats). Null with <see cref="Train"/> null: the embedded test
    /// subset.</summary>
    public string? Test { get; init; }

    /// <summary>Share of the training data held out for validation (stratified, seeded). Default 0.1.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Seed of the train/validation split; null = the run's seed. A preset's seed candidate keeps the
    /// others' split, so that every candidate holds out the same images for the ensemble's weights.</summary>
    public int? SplitSeed { get; init; }

    /// <summary>
    /// Share of the training split trained on (a stratified part; validation unchanged), for short pilot runs. Default
    /// 1.
    /// </summary>
    public double TrainFraction { get; init; } = 1;

    /// <summary>Skip undecodable images (listed in the run record) instead of stopping at the first. Default
    /// false.</summary>
    public bool SkipBad { get; init; }

    /// <summary>.npy arrays are [H, W, C] rather than [C, H, W]. Default false.</summary>
    public bool ChannelsLast { get; init; }

    /// <summary>Keep frozen features on disk and reuse them across runs. Default true.</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>The feature cache folder; null = $TRANSFERSHARP_CACHE, else the XDG cache folder
    /// (~/.cache/transfersharp).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>At most this many bytes of feature files in the cache folder; the least recently used go first. Null:
    /// no limit.</summary>
    public long? CacheLimitBytes { get; init; }

    /// <summary>A folder of feature shards written by sharded extraction (<see cref="Training.FeatureShards"/>):
    /// feature extraction reads every image's features from them instead of running the backbone. Null: none.</summary>
    public string? FeaturesFrom { get; init; }

    /// <summary>False under auto: a candidate whose features the shards lack (other layers or grid) computes them,
    /// where a named feature extraction stops with an error.</summary>
    internal bool FeaturesFromRequired { get; init; } = true;

    /// <summary>The feature cache folder to use, or null when caching is off.</summary>
    public string? ResolveCacheDirectory() => UseCache ? CacheDirectory ?? IO.CacheLocation.Default() : null;

    /// <summary>Throws <see cref="OptionException"/> naming the first bad value.</summary>
    public void Validate()
    {
        Limits.Interval(
            $"{nameof(DataOptions)}.{nameof(ValidationFraction)}",
            ValidationFraction,
            0,
            true,
            Limits.MaximumValidationFraction,
            true
        );
        Limits.Interval($"{nameof(DataOptions)}.{nameof(TrainFraction)}", TrainFraction, 0, true, 1, false);
        if (CacheLimitBytes is <= 0)
            throw new OptionException(
                $"{nameof(DataOptions)}.{nameof(CacheLimitBytes)}",
                CacheLimitBytes,
                "must be a positive number of bytes."
            );
        // Before any work: the shards are read only once the features are needed.
        if (FeaturesFrom is { } folder && !Directory.Exists(folder))
            throw new OptionException($"{nameof(DataOptions)}.{nameof(FeaturesFrom)}", folder, "folder not found.");
    }
}
