using TransferSharp.Training;

namespace TransferSharp.Strategies.FineTune;

/// <summary>
/// Fine-tuning: every group (or those from <see cref="FineTuneOptions.FreezeTo"/> up) trains, with discriminative
/// learning rates (small for early layers, large for the new head) under a warm-up then cosine schedule.
/// </summary>
public sealed class FineTuneStrategy : TransferStrategy
{
    private readonly FineTuneOptions options;

    /// <summary>The strategy with <paramref name="options"/>.</summary>
    public FineTuneStrategy(FineTuneOptions options)
        : base(options) => this.options = options;

    /// <inheritdoc />
    public override TrainingDefaults Defaults => TrainingDefaults.Standard;

    /// <summary>Groups below FreezeTo frozen; FreezeTo counts backbone groups, so an input adapter in front shifts
    /// it.</summary>
    public override IStrategyPlan Plan(PlanContext context)
    {
        int first = options.FreezeTo > 0 ? options.FreezeTo + (context.AdapterIndex is null ? 0 : 1) : 0;
        if (first >= context.HeadIndex)
            throw new OptionException(
                $"{nameof(FineTuneOptions)}.{nameof(options.FreezeTo)}",
                options.FreezeTo,
                $"must be between 0 and the number of backbone groups "
                    + $"({context.HeadIndex - (context.AdapterIndex is null ? 0 : 1)})."
            );
        return new FineTunePlan(context.GroupNames, first);
    }
}
