namespace TransferSharp.Training;

/// <summary>
/// A strategy's defaults for the loop settings the user left unset in <see cref="TrainingOptions"/> (bn-only trains its
/// few BatchNorm parameters at a larger rate, gradual unfreezing keeps a constant one...).
/// </summary>
public sealed record TrainingDefaults
{
    /// <summary>The defaults of plain fine-tuning.</summary>
    public static readonly TrainingDefaults Standard = new();

    /// <summary>Epochs. Default 15.</summary>
    public int Epochs { get; init; } = 15;

    /// <summary>The head's learning rate. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Geometric spread of the rates down to the stem. Default 10.</summary>
    public double LrSpread { get; init; } = 10;

    /// <summary>Schedule. Default warm-up then cosine.</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;

    /// <summary>Early-stopping patience; null = none.</summary>
    public int? Patience { get; init; }

    /// <summary>The conv1x1 adapter's rate as a multiple of the head's. Default 100.</summary>
    public double AdapterRateMultiplier { get; init; } = 100;

    /// <summary>Whether the strategy fits a conv1x1 adapter with the head before it trains (LP-FT). Default
    /// false.</summary>
    public bool AdapterStage { get; init; }

    /// <summary>BatchNorm normalises with its running statistics while training. Default false.</summary>
    public bool FreezeBatchNormStatistics { get; init; }

    /// <summary>The starting point is scored on validation and competes for the best checkpoint. Default
    /// false.</summary>
    public bool ScoreStart { get; init; }
}
