using TransferSharp.Backbones;
using TransferSharp.Progress;
using TransferSharp.Training;

namespace TransferSharp.Strategies;

/// <summary>
/// Base of the strategies. A network strategy is a few small hooks that one applier (<see cref="NetworkSession"/>)
/// runs: a starting point, a plan of which groups train when, callbacks, a regularizer and its own record entries.
/// Plans touch no tensors, so a strategy is testable without running a network.
/// </summary>
public abstract class TransferStrategy : ITransferStrategy
{
    private readonly FineTuningOptions? headLayers;

    /// <summary>A strategy whose head reads the layer groups <paramref name="headLayers"/> names (null, or no groups
    /// named: the last group's output).</summary>
    protected TransferStrategy(FineTuningOptions? headLayers = null) => this.headLayers = headLayers;

    /// <inheritdoc />
    public abstract TrainingDefaults Defaults { get; }

    /// <summary>Whether the backbone stays frozen (only an input adapter and the head learn). Default false.</summary>
    public virtual bool FreezesBackbone => false;

    /// <inheritdoc />
    public virtual TrainingSettings Settings(TrainingOptions requested, int seed) => requested.Resolve(Defaults, seed);

    /// <inheritdoc />
    public virtual void Configure(Backbone backbone, IProgress<ProgressUpdate>? progress)
    {
        if (headLayers is { } o)
            FeatureLayerChoice.Apply(backbone, o.GetType().Name, o.Features, o.FeatureGrid, progress);
    }

    /// <summary>Every backbone parameter and the head; override for strategies that train less.</summary>
    public virtual long TrainableParameters(ParameterCounts counts) => counts.Backbone + counts.Head;

    /// <summary>Trains the network: <see cref="NetworkSession"/> applying this strategy's hooks.</summary>
    public virtual StrategyOutcome Train(StrategyRun run) => NetworkSession.Train(run, this);

    /// <summary>Sets the starting point (random weights, AdaBN statistics, a linear probe's head); default
    /// none.</summary>
    public virtual void Start(NetworkSession session) { }

    /// <summary>Which groups train in each epoch; default all of them.</summary>
    public virtual IStrategyPlan Plan(PlanContext context) => new FineTunePlan(context.GroupNames, 0);

    /// <summary>Callbacks this strategy adds; default early stopping when a patience is set.</summary>
    public virtual IEnumerable<ITrainingCallback> Callbacks(TrainingSettings settings) =>
        settings.Patience is { } patience ? new[] { new EarlyStopping(patience) } : Array.Empty<ITrainingCallback>();

    /// <summary>A penalty added to the loss; default none.</summary>
    public virtual IRegularizer? Regularizer(TransferModel model) => null;

    /// <summary>This strategy's own entries in the record (its regularizer's strengths, unfreezing stages).</summary>
    public virtual TrainingReport Describe(TrainingReport report, IStrategyPlan plan) => report;
}
