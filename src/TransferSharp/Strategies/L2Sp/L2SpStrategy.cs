using TransferSharp.Training;

namespace TransferSharp.Strategies.L2Sp;

/// <summary>
/// L2-SP: fine-tuning with alpha/2 ||w - w_pretrained||^2 on the backbone and beta/2 ||w||^2 on the head, in place of
/// plain weight decay.
/// </summary>
public sealed class L2SpStrategy : TransferStrategy
{
    private readonly L2SpOptions options;

    /// <summary>The strategy with <paramref name="options"/>.</summary>
    public L2SpStrategy(L2SpOptions options)
        : base(options) => this.options = options;

    /// <inheritdoc />
    public override TrainingDefaults Defaults => TrainingDefaults.Standard;

    /// <inheritdoc />
    public override IRegularizer? Regularizer(TransferModel model) =>
        new L2SpRegularizer(model, options.Alpha, options.Beta);

    /// <inheritdoc />
    public override TrainingReport Describe(TrainingReport report, IStrategyPlan plan) =>
        report with
        {
            L2Sp = new L2SpSummary(options.Alpha, options.Beta),
        };
}
