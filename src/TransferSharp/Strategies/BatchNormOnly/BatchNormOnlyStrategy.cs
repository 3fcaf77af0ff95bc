using TransferSharp.Backbones;
using TransferSharp.Progress;
using TransferSharp.Training;

namespace TransferSharp.Strategies.BatchNormOnly;

/// <summary>BatchNorm-only adaptation: only the backbone's BatchNorm affine parameters and the head train.</summary>
public sealed class BatchNormOnlyStrategy : TransferStrategy
{
    private readonly BatchNormOnlyOptions options;

    /// <summary>The strategy with <paramref name="options"/>.</summary>
    public BatchNormOnlyStrategy(BatchNormOnlyOptions options) => this.options = options;

    /// <summary>Its few BatchNorm parameters need larger steps: 1e-2 for every group.</summary>
    public override TrainingDefaults Defaults { get; } = new() { LearningRate = 1e-2, LrSpread = 1 };

    /// <inheritdoc />
    public override long TrainableParameters(ParameterCounts counts) => counts.BatchNorm + counts.Head;

    /// <inheritdoc />
    public override void Configure(Backbone backbone, IProgress<ProgressUpdate>? progress) =>
        BatchNormTools.Require(backbone, StrategyRegistry.BatchNormOnly.Name);

    /// <inheritdoc />
    public override void Start(NetworkSession session)
    {
        if (options.AdaBn)
            session.ReestimateBatchNorm();
    }

    /// <inheritdoc />
    public override IStrategyPlan Plan(PlanContext context) => new BatchNormOnlyPlan(context.GroupNames);
}
