namespace TransferSharp.Training;

/// <summary>
/// How network training runs, as the user asks for it. Unset (null) values take the strategy's defaults (<see
/// cref="TrainingDefaults"/>); <see cref="Resolve"/> gives the loop's <see cref="TrainingSettings"/>.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Most epochs; null = the strategy's (15; gradual unfreezing 30, as it stops stages itself).</summary>
    public int? Epochs { get; init; }

    /// <summary>Images per step, and per backbone pass of a frozen extraction. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The head's (top) learning rate; null = the strategy's (1e-3; 1e-2 for bn-only and frozen-feature
    /// heads).</summary>
    public double? LearningRate { get; init; }

    /// <summary>Geometric spread: the stem trains at LearningRate / LrSpread (fastai's slice); null = the
    /// strategy's.</summary>
    public double? LrSpread { get; init; }

    /// <summary>timm-style layer decay: each group this times the next one up; overrides the spread. Null =
    /// off.</summary>
    public double? LayerDecay { get; init; }

    /// <summary>Schedule shape; null = the strategy's (warm-up then cosine; constant for gradual unfreezing).</summary>
    public ScheduleKind? Schedule { get; init; }

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

    /// <summary>Early-stopping patience in epochs; gradual unfreezing's per-stage patience (default 2). Null =
    /// none.</summary>
    public int? Patience { get; init; }

    /// <summary>Restore the best validation epoch at the end (false: keep the last). Default true.</summary>
    public bool RestoreBest { get; init; } = true;

    /// <summary>Weight averaging (SWA): keep the mean of the weights of the last N epochs. Null = off.</summary>
    public int? AverageLastEpochs { get; init; }

    /// <summary>The conv1x1 adapter's rate as a multiple of the head's; null = the strategy's (100; 30 for frozen
    /// features).</summary>
    public double? AdapterRateMultiplier { get; init; }

    /// <summary>Mixup alpha: images and labels mixed in pairs with a weight from Beta(alpha, alpha). 0 = off.</summary>
    public double MixupAlpha { get; init; }

    /// <summary>Augmentation of training batches.</summary>
    public AugmentationOptions Augmentation { get; init; } = new();

    /// <summary>
    /// BatchNorm while training: true = its running statistics, frozen; false = each batch's; null = the strategy's
    /// (frozen for LP-FT, whose head was fitted on the running statistics' features).
    /// </summary>
    public bool? FreezeBatchNormStatistics { get; init; }

    /// <summary>Deterministic kernels: one intra-op thread, reductions in a fixed order (slower).</summary>
    public bool Deterministic { get; init; }

    /// <summary>
    /// Benchmark baseline: the recipe run the plain way (no ONNX Runtime, no frozen-prefix caching, autograd through
    /// frozen parameters; LP-FT's probe as head-only epochs). Same results to expect, more time. Default false.
    /// </summary>
    public bool Naive { get; init; }

    /// <summary>Memory allowed for cached frozen-prefix outputs, in bytes. Default 3 GiB.</summary>
    public long PrefixCacheBytes { get; init; } = 3L << 30;

    /// <summary>The loop's settings: these values, and <paramref name="defaults"/> where a value is unset.</summary>
    public TrainingSettings Resolve(TrainingDefaults defaults, int seed) =>
        new()
        {
            Epochs = Epochs ?? defaults.Epochs,
            BatchSize = BatchSize,
            LearningRate = LearningRate ?? defaults.LearningRate,
            LrSpread = LrSpread ?? defaults.LrSpread,
            LayerDecay = LayerDecay,
            Schedule = Schedule ?? defaults.Schedule,
            WarmupFraction = WarmupFraction,
            Optimizer = Optimizer,
            WeightDecay = WeightDecay,
            Momentum = Momentum,
            LabelSmoothing = LabelSmoothing,
            Patience = Patience ?? defaults.Patience,
            RestoreBest = RestoreBest,
            ScoreStart = defaults.ScoreStart,
            AverageLastEpochs = AverageLastEpochs,
            AdapterRateMultiplier = AdapterRateMultiplier ?? defaults.AdapterRateMultiplier,
            MixupAlpha = MixupAlpha,
            Augmentation = Augmentation,
            Seed = seed,
            Deterministic = Deterministic,
            OptimizeFrozenPrefix = !Naive,
            FreezeBatchNormStatistics = FreezeBatchNormStatistics ?? defaults.FreezeBatchNormStatistics,
            AutogradThroughFrozen = Naive,
            PrefixCacheBytes = PrefixCacheBytes,
        };
}
