using TransferSharp.Backbones;
using TransferSharp.Progress;
using TransferSharp.Training;

namespace TransferSharp.Strategies;

/// <summary>
/// A way to adapt a pretrained backbone: its loop defaults, what it trains, and its training. Created from its options
/// by <see cref="StrategyRegistry"/>; <see cref="TransferStrategy"/> is the base every strategy here derives from.
/// </summary>
public interface ITransferStrategy
{
    /// <summary>The defaults this strategy gives the loop for the settings the user left unset.</summary>
    TrainingDefaults Defaults { get; }

    /// <summary>The loop's settings for <paramref name="requested"/>: this strategy's defaults where a value is
    /// unset.</summary>
    TrainingSettings Settings(TrainingOptions requested, int seed);

    /// <summary>Prepares the backbone before anything measures it (which layers give the features).</summary>
    void Configure(Backbone backbone, IProgress<ProgressUpdate>? progress);

    /// <summary>P: the parameters this strategy trains (what the advisor weighs against N).</summary>
    long TrainableParameters(ParameterCounts counts);

    /// <summary>Trains on <paramref name="run"/>'s data; the outcome holds the head, held-out predictions and the
    /// record.</summary>
    StrategyOutcome Train(StrategyRun run);
}
