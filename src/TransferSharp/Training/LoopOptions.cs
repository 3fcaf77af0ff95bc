namespace TransferSharp.Training;

/// <summary>
/// The loop's settings that a user sets directly: the same in a request (<see cref="TrainingOptions"/>) and in what the
/// loop runs with (<see cref="TrainingSettings"/>).
/// </summary>
public abstract record LoopOptions
{
    /// <summary>Images per step, and per backbone pass of a frozen extraction. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Warm-up as a share of all steps. Default 0.1.</summary>
    public double WarmupFraction { get; init; } = 0.1;

    /// <summary>Optimizer. Default AdamW.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;

    /// <summary>Weight decay (not on biases and BatchNorm). Default 0.05 (AdamW); use about 1e-4 with SGD.</summary>
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>SGD momentum. Default 0.9.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Label smoothing of the cross-entropy. Default 0.1.</summary>
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>Restore the best validation epoch at the end (false: keep the last). Default true.</summary>
    public bool RestoreBest { get; init; } = true;

    /// <summary>Weight averaging (SWA): keep the mean of the weights of the last N epochs. Null = off.</summary>
    public int? AverageLastEpochs { get; init; }

    /// <summary>Mixup alpha: images and labels mixed in pairs with a weight from Beta(alpha, alpha). 0 = off.</summary>
    public double MixupAlpha { get; init; }

    /// <summary>Augmentation of training batches.</summary>
    public AugmentationOptions Augmentation { get; init; } = new();

    /// <summary>Deterministic kernels: one intra-op thread, reductions in a fixed order (slower).</summary>
    public bool Deterministic { get; init; }

    /// <summary>The training step's convolutions in fp32 (default) or bf16 (fp32 master weights).</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Fp32;

    /// <summary>fp32 training convolves in channels-last layout (default; oneDNN's own, a faster step); false:
    /// libtorch's default NCHW.</summary>
    public bool ChannelsLastConvolutions { get; init; } = true;

    /// <summary>Memory allowed for cached frozen-prefix outputs, in bytes. Default 3 GiB.</summary>
    public long PrefixCacheBytes { get; init; } = 3L << 30;

    /// <summary>On a NaN or infinite loss or gradient: stop (default) or retry the epoch at a lower rate.</summary>
    public NonFinitePolicy OnNonFinite { get; init; } = NonFinitePolicy.Stop;
}
