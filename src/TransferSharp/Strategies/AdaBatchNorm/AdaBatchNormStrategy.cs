using TransferSharp.Backbones;
using TransferSharp.Progress;
using TransferSharp.Training;

namespace TransferSharp.Strategies.AdaBatchNorm;

/// <summary>AdaBN: BatchNorm statistics re-estimated on the training images, then a head on the frozen
/// backbone.</summary>
public sealed class AdaBatchNormStrategy : TransferStrategy
{
    /// <summary>The strategy.</summary>
    public AdaBatchNormStrategy(AdaBatchNormOptions options) { }

    /// <inheritdoc />
    public override TrainingDefaults Defaults { get; } = new() { ScoreStart = true };

    /// <inheritdoc />
    public override long TrainableParameters(ParameterCounts counts) => counts.Head;

    /// <inheritdoc />
    public override void Configure(Backbone backbone, IProgress<ProgressUpdate>? progress) =>
        BatchNormTools.Require(backbone, StrategyRegistry.AdaBatchNorm.Name);

    /// <inheritdoc />
    public override void Start(NetworkSession session)
    {
        session.ReestimateBatchNorm();
        session.FitHeadByLinearProbe(perFeatureScale: true);
    }

    /// <inheritdoc />
    public override IStrategyPlan Plan(PlanContext context) => new FineTunePlan(context.GroupNames, context.HeadIndex);
}
