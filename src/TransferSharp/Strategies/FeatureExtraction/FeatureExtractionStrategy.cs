using TransferSharp.Adapters;
using TransferSharp.Backbones;
using TransferSharp.Progress;
using TransferSharp.Training;

namespace TransferSharp.Strategies.FeatureExtraction;

/// <summary>
/// Feature extraction: the backbone frozen for real (no gradients, BatchNorm in eval mode, never touched by an
/// optimizer); its pooled features computed once per image and cached; a logistic-regression head fitted on them.
/// Through the channel pipeline the frozen features are computed in memory, and a conv1x1 adapter trains with the head
/// in front of the frozen backbone.
/// </summary>
public sealed class FeatureExtractionStrategy : TransferStrategy
{
    private readonly FeatureExtractionOptions options;

    /// <summary>The strategy with <paramref name="options"/>.</summary>
    public FeatureExtractionStrategy(FeatureExtractionOptions options) => this.options = options;

    /// <inheritdoc />
    public override TrainingDefaults Defaults { get; } =
        new()
        {
            LearningRate = 1e-2,
            LrSpread = 1,
            AdapterRateMultiplier = 30,
        };

    /// <inheritdoc />
    public override bool FreezesBackbone => true;

    /// <summary>The loop's settings for the adapter path: no augmentation, the frozen features' views stay
    /// fixed.</summary>
    public override TrainingSettings Settings(TrainingOptions requested, int seed) =>
        requested.Resolve(Defaults, seed) with
        {
            Augmentation = AugmentationOptions.Off,
        };

    /// <inheritdoc />
    public override long TrainableParameters(ParameterCounts counts) => counts.Head;

    /// <summary>Reads the features from the chosen layer groups of <paramref name="backbone"/>.</summary>
    public override void Configure(Backbone backbone, IProgress<ProgressUpdate>? progress) =>
        FeatureLayerChoice.Apply(
            backbone,
            nameof(FeatureExtractionOptions),
            options.Features,
            options.FeatureGrid,
            progress
        );

    /// <inheritdoc />
    public override IStrategyPlan Plan(PlanContext context) => new FineTunePlan(context.GroupNames, context.HeadIndex);

    /// <inheritdoc />
    public override StrategyOutcome Train(StrategyRun run)
    {
        if (!run.UsesChannelPipeline)
            return FrozenFeatures.Train(run, options);
        if (run.Model.Adapter == AdapterKind.Conv1x1)
            return NetworkSession.Train(run, this);
        // An adapter that does not learn: the 8-bit path's head (a logistic regression, its weight decay chosen on
        // validation) on frozen features computed once; nothing else trains.
        using var session = NetworkSession.Open(run, this);
        session.FitHeadByLinearProbe(perFeatureScale: true);
        var (loss, accuracy) = session.EvaluateValidation();
        session.Report = session.Report with
        {
            Head = "multinomial logistic regression on the frozen features (channel pipeline)",
            ValAccuracy = Math.Round(accuracy, 4),
            ValLoss = Math.Round(loss, 4),
            TrainableParameters = session.Model.Head.parameters().Sum(p => p.numel()),
        };
        return session.Finish();
    }
}
