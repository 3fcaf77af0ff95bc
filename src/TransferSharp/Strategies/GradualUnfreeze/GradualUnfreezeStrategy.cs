using TransferSharp.Training;

namespace TransferSharp.Strategies.GradualUnfreeze;

/// <summary>
/// Validation-guided progressive unfreezing, top-down: a linear probe's head first, then one group down whenever
/// validation plateaus; rolls back to the best checkpoint when a deeper unfreeze makes validation worse.
/// </summary>
public sealed class GradualUnfreezeStrategy : TransferStrategy
{
    /// <summary>The strategy with <paramref name="options"/>.</summary>
    public GradualUnfreezeStrategy(GradualUnfreezeOptions options)
        : base(options) { }

    /// <summary>A constant rate within stages (it decides their lengths), up to 30 epochs, patience 2 per
    /// stage.</summary>
    public override TrainingDefaults Defaults { get; } =
        new()
        {
            Epochs = 30,
            Schedule = ScheduleKind.Constant,
            Patience = 2,
            ScoreStart = true,
        };

    /// <summary>The head-only stage starts converged: a linear probe on the frozen features.</summary>
    public override void Start(NetworkSession session) => session.FitHeadByLinearProbe(perFeatureScale: true);

    /// <summary>Rolling back needs a real drop: at least two validation images, or 1% of the split.</summary>
    public override IStrategyPlan Plan(PlanContext context) =>
        new GradualUnfreezePlan(
            context.GroupNames,
            context.Settings.Patience ?? 2,
            Math.Max(0.01, 1.5 / Math.Max(1, context.ValidationImages))
        );

    /// <summary>No early stopping: the plan's patience ends the stages and the run.</summary>
    public override IEnumerable<ITrainingCallback> Callbacks(TrainingSettings settings) =>
        Array.Empty<ITrainingCallback>();

    /// <inheritdoc />
    public override TrainingReport Describe(TrainingReport report, IStrategyPlan plan) =>
        report with
        {
            UnfreezeStages = ((GradualUnfreezePlan)plan).Stages,
        };
}
