namespace TransferSharp.Training;

/// <summary>
/// How network training runs, as the user asks for it. Unset (null) values take the strategy's defaults (<see
/// cref="TrainingDefaults"/>); <see cref="Resolve"/> gives the loop's <see cref="TrainingSettings"/>.
/// </summary>
public sealed record TrainingOptions : LoopOptions
{
    /// <summary>Most epochs; null = the strategy's (15; gradual unfreezing 30, as it stops stages itself).</summary>
    public int? Epochs { get; init; }

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

    /// <summary>Early-stopping patience in epochs; gradual unfreezing's per-stage patience (default 2). Null =
    /// none.</summary>
    public int? Patience { get; init; }

    /// <summary>The conv1x1 adapter's rate as a multiple of the head's; null = the strategy's (100; 30 for frozen
    /// features).</summary>
    public double? AdapterRateMultiplier { get; init; }

    /// <summary>
    /// Epochs a conv1x1 adapter trains with LP-FT's probe head on the frozen backbone (feature extraction's adapter
    /// recipe) before fine-tuning starts; 0 = none; null = half the epochs (at least 1). Without it the backbone moves
    /// while the adapter is still near its replicate start. (Gradual unfreezing's head stage already is such a stage.)
    /// </summary>
    public int? AdapterEpochs { get; init; }

    /// <summary>
    /// BatchNorm while training: true = its running statistics, frozen; false = each batch's; null = the strategy's
    /// (frozen for LP-FT, whose head was fitted on the running statistics' features).
    /// </summary>
    public bool? FreezeBatchNormStatistics { get; init; }

    /// <summary>
    /// Benchmark baseline: the recipe run the plain way (no ONNX Runtime, no frozen-prefix caching, autograd through
    /// frozen parameters; LP-FT's probe as head-only epochs). Same results to expect, more time. Default false.
    /// </summary>
    public bool Naive { get; init; }

    /// <summary>The loop's settings: these values, and <paramref name="defaults"/> where a value is unset.</summary>
    public TrainingSettings Resolve(TrainingDefaults defaults, int seed) =>
        new(this)
        {
            Epochs = Epochs ?? defaults.Epochs,
            LearningRate = LearningRate ?? defaults.LearningRate,
            LrSpread = LrSpread ?? defaults.LrSpread,
            LayerDecay = LayerDecay,
            Schedule = Schedule ?? defaults.Schedule,
            Patience = Patience ?? defaults.Patience,
            ScoreStart = defaults.ScoreStart,
            AdapterRateMultiplier = AdapterRateMultiplier ?? defaults.AdapterRateMultiplier,
            AdapterEpochs = defaults.AdapterStage ? AdapterEpochs ?? Math.Max(1, (Epochs ?? defaults.Epochs) / 2) : 0,
            Seed = seed,
            OptimizeFrozenPrefix = !Naive,
            FreezeBatchNormStatistics = FreezeBatchNormStatistics ?? defaults.FreezeBatchNormStatistics,
            AutogradThroughFrozen = Naive,
        };
}
