namespace TransferSharp.Training;

/// <summary>What one shard of a sharded extraction computed (written as JSON beside its features).</summary>
public sealed record ShardRecord
{
    /// <summary>This shard's index (0-based).</summary>
    public int Shard { get; init; }

    /// <summary>Shards in all.</summary>
    public int Shards { get; init; }

    /// <summary>What decides the features: backbone, weights, size, preprocessing, layers.</summary>
    public string FeatureKey { get; init; } = "";

    /// <summary>Values per image.</summary>
    public int FeatureWidth { get; init; }

    /// <summary>Images whose features the shard holds.</summary>
    public int Images { get; init; }

    /// <summary>Images computed by this run.</summary>
    public int Computed { get; init; }

    /// <summary>Images found in the partial file of a run that was stopped.</summary>
    public int Resumed { get; init; }

    /// <summary>The shard was already done: nothing ran.</summary>
    public bool Skipped { get; init; }

    /// <summary>Images that could not be decoded (with --skip-bad).</summary>
    public IReadOnlyList<BadImage> BadImages { get; init; } = Array.Empty<BadImage>();

    /// <summary>What ran the frozen pass: onnxruntime or torch.</summary>
    public string Engine { get; init; } = "";

    /// <summary>Seconds, decode included.</summary>
    public double Seconds { get; init; }

    /// <summary>Images computed per second, decode included.</summary>
    public double ImagesPerSecond { get; init; }
}
