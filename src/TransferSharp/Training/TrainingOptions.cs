namespace TransferSharp.Training;

/// <summary>The optimizer.</summary>
public enum OptimizerKind
{
    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,
    /// <summary>SGD with (Nesterov) momentum.</summary>
    Sgd,
}

/// <summary>Options of the fit loop. Immutable; validated once by <see cref="Validate"/>.</summary>
public sealed record TrainingOptions
{
    /// <summary>Most epochs to run. Default 15.</summary>
    public int Epochs { get; init; } = 15;
    /// <summary>Images per step. Default 32.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>The head's (top) learning rate. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Geometric spread: the earliest group gets LearningRate / LrSpread (fastai's slice). Default 10. Ignored when LayerDecay is set.</summary>
    public double LrSpread { get; init; } = 10;
    /// <summary>timm-style layer decay: each group LayerDecay times the next one up; null = use LrSpread.</summary>
    public double? LayerDecay { get; init; }
    /// <summary>Schedule shape. Default warm-up then cosine.</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;
    /// <summary>Warm-up as a share of all steps. Default 0.1.</summary>
    public double WarmupFraction { get; init; } = 0.1;
    /// <summary>Optimizer. Default AdamW.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;
    /// <summary>Weight decay (not applied to biases and BatchNorm). Default 0.05 (AdamW), use ~1e-4 with SGD.</summary>
    public double WeightDecay { get; init; } = 0.05;
    /// <summary>SGD momentum. Default 0.9.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>Label smoothing of the cross-entropy. Default 0.1.</summary>
    public double LabelSmoothing { get; init; } = 0.1;
    /// <summary>Early-stopping patience in epochs without validation improvement; null = none. For gradual unfreezing: the per-stage patience.</summary>
    public int? Patience { get; init; }
    /// <summary>Restore the best validation checkpoint at the end. Default true.</summary>
    public bool RestoreBest { get; init; } = true;
    /// <summary>
    /// Score the model on validation before the first epoch ("epoch 0") and let that starting point compete for the best
    /// checkpoint and count for early stopping: a strategy that starts from a fitted head (LP-FT, AdaBN, gradual
    /// unfreezing) then never ends below where it started. Default false (the strategies that start from a fitted head set it).
    /// </summary>
    public bool ScoreStart { get; init; }
    /// <summary>
    /// Weight averaging (SWA, Izmailov et al. 2018): average the weights (and BatchNorm statistics) at the end of the last
    /// N epochs and keep the average instead of a single epoch. Null = off. Replaces best-epoch restore.
    /// </summary>
    public int? AverageLastEpochs { get; init; }
    /// <summary>
    /// An input adapter's learning rate as a multiple of the head's. Default 100 (0.1 at the default head rate): the
    /// adapter's weights are of order 1 (a channel mixing matrix) and must travel that far for bands the replicate start
    /// ignores to reach the backbone (bench/README.md: 1x stays at chance, 10x reaches 0.55, 100x 0.95 on the multispectral task).
    /// </summary>
    public double AdapterRateMultiplier { get; init; } = 100;
    /// <summary>Mixup (Zhang et al. 2018): train on convex combinations of image pairs and of their labels, with the weight drawn from Beta(alpha, alpha). 0 = off.</summary>
    public double MixupAlpha { get; init; }
    /// <summary>Augmentation of training batches.</summary>
    public AugmentationOptions Augmentation { get; init; } = new();
    /// <summary>Seed of shuffling, augmentation and initialisation.</summary>
    public int Seed { get; init; }
    /// <summary>Deterministic kernels (slower; for reproducibility).</summary>
    public bool Deterministic { get; init; }
    /// <summary>Run frozen leading groups without autograd and, when augmentation is off, cache their outputs across epochs. Default true.</summary>
    public bool OptimizeFrozenPrefix { get; init; } = true;
    /// <summary>
    /// Normalise with the running (pretrained, or AdaBN-estimated) BatchNorm statistics throughout training and leave
    /// them unchanged; BatchNorm's affine weights still learn. The features a head was fitted on stay the features
    /// training starts from. Default false (statistics of each batch, running statistics updated).
    /// </summary>
    public bool FreezeBatchNormStatistics { get; init; }
    /// <summary>
    /// Benchmark baseline only (issue 7's naive run): frozen parameters stay tracked by autograd, so every backward pass
    /// computes their gradients, which are discarded before the step. Nothing changes but the time. Default false.
    /// </summary>
    public bool AutogradThroughFrozen { get; init; }
    /// <summary>Memory allowed for cached frozen-prefix outputs, in bytes. Default 3 GiB.</summary>
    public long PrefixCacheBytes { get; init; } = 3L << 30;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the option and its range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message) { if (!ok) throw new ArgumentOutOfRangeException(null, message); }
        Check(Epochs is >= 1 and <= 10_000, $"--epochs {Epochs}: must be between 1 and 10000.");
        Check(BatchSize is >= 1 and <= 4096, $"--batch-size {BatchSize}: must be between 1 and 4096.");
        Check(LearningRate > 0 && LearningRate <= 10, $"--lr {LearningRate}: must be in (0, 10].");
        Check(LrSpread >= 1 && LrSpread <= 1e6, $"--lr-spread {LrSpread}: must be between 1 and 1e6.");
        Check(LayerDecay is null or (> 0 and <= 1), $"--layer-decay {LayerDecay}: must be in (0, 1].");
        Check(WarmupFraction is >= 0 and < 1, $"--warmup {WarmupFraction}: must be in [0, 1).");
        Check(WeightDecay is >= 0 and <= 10, $"--weight-decay {WeightDecay}: must be between 0 and 10.");
        Check(Momentum is >= 0 and < 1, $"--momentum {Momentum}: must be in [0, 1).");
        Check(AdapterRateMultiplier is > 0 and <= 1000, $"--adapter-lr-mult {AdapterRateMultiplier}: must be in (0, 1000].");
        Check(MixupAlpha is >= 0 and <= 10, $"--mixup {MixupAlpha}: must be between 0 (off) and 10.");
        Check(LabelSmoothing is >= 0 and < 1, $"--label-smoothing {LabelSmoothing}: must be in [0, 1).");
        Check(Patience is null or (>= 1 and <= 1000), $"--patience {Patience}: must be between 1 and 1000.");
        Check(AverageLastEpochs is null || (AverageLastEpochs >= 2 && AverageLastEpochs <= Epochs), $"--average-last {AverageLastEpochs}: must be between 2 and the number of epochs ({Epochs}).");
    }

    /// <summary>The base learning rate of every group (head last).</summary>
    public double[] GroupRates(int groups) => LayerDecay is { } decay
        ? LearningRateSpread.LayerDecay(LearningRate, decay, groups)
        : LearningRateSpread.Geometric(LearningRate, LrSpread, groups);
}
