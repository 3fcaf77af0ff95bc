namespace TransferSharp.Training;

/// <summary>
/// What the fit loop runs with: every value set (<see cref="TrainingOptions.Resolve"/> fills in a strategy's defaults).
/// Immutable; <see cref="Validate"/> checks it. The run record keeps it as <c>training_options</c>.
/// </summary>
public sealed record TrainingSettings : LoopOptions
{
    /// <summary>Settings with every default.</summary>
    public TrainingSettings() { }

    /// <summary>Settings with the user's directly set values <paramref name="shared"/>; the rest are the
    /// defaults.</summary>
    public TrainingSettings(LoopOptions shared)
        : base(shared) { }

    /// <summary>Most epochs to run. Default 15.</summary>
    public int Epochs { get; init; } = 15;

    /// <summary>The head's (top) learning rate. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Geometric spread: the earliest group gets LearningRate / LrSpread. Default 10. Ignored with
    /// LayerDecay.</summary>
    public double LrSpread { get; init; } = 10;

    /// <summary>timm-style layer decay: each group LayerDecay times the next one up; null = use LrSpread.</summary>
    public double? LayerDecay { get; init; }

    /// <summary>Schedule shape. Default warm-up then cosine.</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;

    /// <summary>Early-stopping patience in epochs without validation improvement; null = none.</summary>
    public int? Patience { get; init; }

    /// <summary>
    /// Score the model on validation before the first epoch ("epoch 0"); the starting point competes for the best
    /// checkpoint, so a strategy that starts from a fitted head never ends below it. Default false.
    /// </summary>
    public bool ScoreStart { get; init; }

    /// <summary>An input adapter's learning rate as a multiple of the head's. Default 100.</summary>
    public double AdapterRateMultiplier { get; init; } = 100;

    /// <summary>Epochs of LP-FT's adapter-with-head stage before fine-tuning; 0 = none.</summary>
    public int AdapterEpochs { get; init; }

    /// <summary>Seed of shuffling, augmentation and initialisation.</summary>
    public int Seed { get; init; }

    /// <summary>Run frozen leading groups without autograd and cache their outputs when augmentation is off. Default
    /// true.</summary>
    public bool OptimizeFrozenPrefix { get; init; } = true;

    /// <summary>Normalise with the running BatchNorm statistics and leave them unchanged. Default false.</summary>
    public bool FreezeBatchNormStatistics { get; init; }

    /// <summary>Benchmark baseline only: autograd computes frozen parameters' gradients, then discards them.</summary>
    public bool AutogradThroughFrozen { get; init; }

    /// <summary>Throws <see cref="OptionException"/> naming the first bad value as <paramref
    /// name="owner"/>.Property.</summary>
    public void Validate(string owner = nameof(TrainingSettings))
    {
        string Name(string property) => $"{owner}.{property}";
        Limits.Range(Name(nameof(Epochs)), Epochs, 1, Limits.MaximumEpochs);
        Limits.Range(Name(nameof(BatchSize)), BatchSize, 1, Limits.MaximumBatchSize);
        Limits.Interval(Name(nameof(LearningRate)), LearningRate, 0, true, 10, false);
        Limits.Range(Name(nameof(LrSpread)), LrSpread, 1, 1e6);
        if (LayerDecay is { } decay)
            Limits.Interval(Name(nameof(LayerDecay)), decay, 0, true, 1, false);
        Limits.Interval(Name(nameof(WarmupFraction)), WarmupFraction, 0, false, 1, true);
        Limits.Range(Name(nameof(WeightDecay)), WeightDecay, 0, 10);
        Limits.Interval(Name(nameof(Momentum)), Momentum, 0, false, 1, true);
        Limits.Interval(Name(nameof(AdapterRateMultiplier)), AdapterRateMultiplier, 0, true, 1000, false);
        Limits.Range(Name(nameof(AdapterEpochs)), AdapterEpochs, 0, Limits.MaximumEpochs);
        Limits.Range(Name(nameof(MixupAlpha)), MixupAlpha, 0, 10);
        Limits.Interval(Name(nameof(LabelSmoothing)), LabelSmoothing, 0, false, 1, true);
        if (Patience is { } patience)
            Limits.Range(Name(nameof(Patience)), patience, 1, Limits.MaximumPatience);
        if (AverageLastEpochs is { } last)
            Limits.Range(Name(nameof(AverageLastEpochs)), last, 2, Epochs);
        Augmentation.Validate($"{owner}.{nameof(Augmentation)}");
    }

    /// <summary>The base learning rate of every group (head last).</summary>
    public double[] GroupRates(int groups) =>
        LayerDecay is { } decay
            ? LearningRateSpread.LayerDecay(LearningRate, decay, groups)
            : LearningRateSpread.Geometric(LearningRate, LrSpread, groups);
}
