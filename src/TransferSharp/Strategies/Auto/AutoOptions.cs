namespace TransferSharp.Strategies.Auto;

/// <summary>
/// Not a strategy but a request for one: the advisor measures the data (N, P/N, d, frequency, channels, LogME per layer
/// group) and picks a strategy and its feature layers; pilots may replace the advice when they win beyond noise.
/// </summary>
public sealed record AutoOptions : StrategyOptions
{
    /// <summary>Share of the full run's training image-steps that the network pilots may use together.</summary>
    public const double PilotBudget = 0.3;

    /// <summary>
    /// Short pilot runs of the advised strategy and its first two alternatives on the same split; an alternative
    /// replaces the advice only when it wins on validation by more than one standard error of the difference.
    /// </summary>
    public bool Pilot { get; init; }

    /// <summary>Epochs of each network pilot. Default 2.</summary>
    public int PilotEpochs { get; init; } = 2;

    /// <summary>
    /// Fewest validation images for pilots: below it they are skipped (the reason recorded). An accuracy near 0.8 on n
    /// images has a standard error of sqrt(0.16 / n): 13 points on 10 images, 5.7 on 50. Default 50.
    /// </summary>
    public int PilotMinimumValidation { get; init; } = 50;

    /// <summary>Layer groups for the features when feature extraction is chosen, and for a chosen fine-tuning
    /// strategy's head (on <see cref="FeatureGrid"/>; the presets use their largest grid); null = the advised ones
    /// (the head: the advised intermediate group, <see cref="Analysis.Advice.HeadLayers"/>, on a 2 x 2 grid).</summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>Grid pooling of intermediate feature groups when feature extraction is chosen. Default 1 (a fine-tuning
    /// head on the advised intermediate group: 2).</summary>
    public int FeatureGrid { get; init; } = 1;

    /// <summary>Full-batch steps of the head when feature extraction runs (the most L-BFGS iterations per fit). Default
    /// 300.</summary>
    public int HeadSteps { get; init; } = 300;

    /// <summary>How the head is minimised when feature extraction runs. Default L-BFGS.</summary>
    public Training.HeadSolver HeadSolver { get; init; } = Training.HeadSolver.Lbfgs;

    /// <summary>The frozen pass's arithmetic when feature extraction runs (each frozen candidate of a preset): int8
    /// under its per-run check (see <see cref="FeatureExtraction.FeatureExtractionOptions.Precision"/>). Default
    /// fp32.</summary>
    public Training.FrozenPrecision FrozenPrecision { get; init; } = Training.FrozenPrecision.Fp32;

    /// <summary>
    /// Null: the advised strategy (or a pilot's winner) is trained. A preset: candidates are trained one after the
    /// other, cheapest first, each replacing the best so far only when it wins on validation beyond noise; the best
    /// finished one is the result (anytime: <see cref="Learning.TransferLearner.BestSoFar"/> hears of each).
    /// </summary>
    public AutoPreset? Preset { get; init; }

    /// <summary>Wall-time budget of a preset run (advice, candidates, the final test pass); null = none. A candidate
    /// that the measured speeds say cannot finish is skipped, one still running at the limit is stopped.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>A preset's final model may be the weighted average of the candidates it trained (weights fitted on
    /// held-out predictions), kept only when it beats the best single one beyond noise. Default true.</summary>
    public bool Ensemble { get; init; } = true;

    /// <summary>Network strategies train without random horizontal flips when the advice says some class faces one
    /// way (its mean image one-sided beyond chance); false keeps the training options' flips. Default true.</summary>
    public bool FollowFlipAdvice { get; init; } = true;

    /// <summary>Network strategies train without random shifts (pad-and-crop) when the advice finds the images aligned
    /// (most sit where their class's others do); false keeps the training options' crop. Default true.</summary>
    public bool FollowShiftAdvice { get; init; } = true;

    /// <inheritdoc />
    public override void Validate()
    {
        Limits.Range($"{nameof(AutoOptions)}.{nameof(HeadSteps)}", HeadSteps, 1, Limits.MaximumHeadSteps);
        if (TimeLimit is { } limit && limit <= TimeSpan.Zero)
            throw new OptionException($"{nameof(AutoOptions)}.{nameof(TimeLimit)}", limit, "give a positive duration.");
        if (Pilot && Preset is not null)
            throw new OptionException(
                $"{nameof(AutoOptions)}.{nameof(Pilot)}",
                Pilot,
                "pilots belong to auto without a preset; a preset trains its candidates in full."
            );
        Limits.Range($"{nameof(AutoOptions)}.{nameof(FeatureGrid)}", FeatureGrid, 1, Backbones.Backbone.MaxFeatureGrid);
        Limits.Range($"{nameof(AutoOptions)}.{nameof(PilotEpochs)}", PilotEpochs, 1, Limits.MaximumPilotEpochs);
        Limits.Range(
            $"{nameof(AutoOptions)}.{nameof(PilotMinimumValidation)}",
            PilotMinimumValidation,
            0,
            int.MaxValue
        );
    }
}
