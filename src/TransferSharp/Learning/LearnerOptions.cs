using TransferSharp.Data;
using TransferSharp.Strategies;
using TransferSharp.Strategies.Auto;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Training;

namespace TransferSharp.Learning;

/// <summary>
/// Everything a fit needs, one record per concern: the data, the model, the training loop, the strategy (or <see
/// cref="AutoOptions"/> for advice), the analyses. Immutable; <see cref="Validate"/> checks every value once.
/// </summary>
public sealed record LearnerOptions
{
    /// <summary>The data and its split.</summary>
    public DataOptions Data { get; init; } = new();

    /// <summary>The backbone, input size, adapter, device.</summary>
    public ModelOptions Model { get; init; } = new();

    /// <summary>The training loop (network strategies; unset values take the strategy's defaults).</summary>
    public TrainingOptions Training { get; init; } = new();

    /// <summary>The strategy's typed options; <see cref="AutoOptions"/> lets the advisor choose. Default feature
    /// extraction.</summary>
    public StrategyOptions Strategy { get; init; } = new FeatureExtractionOptions();

    /// <summary>The analyses besides training (none by default).</summary>
    public AnalysisOptions Analyses { get; init; } = new();

    /// <summary>Seed of the split, initialisation, shuffling and augmentation. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Checkpoints after every epoch, and resuming an interrupted fit (none by default).</summary>
    public CheckpointOptions? Checkpoints { get; init; }

    /// <summary>Throws <see cref="OptionException"/> naming the first bad value.</summary>
    public void Validate()
    {
        Data.Validate();
        Model.Validate();
        Strategy.Validate();
        TrainingSettings settings =
            Strategy is AutoOptions
                ? Training.Resolve(TrainingDefaults.Standard, Seed)
                : StrategyRegistry.Create(Strategy).Settings(Training, Seed);
        settings.Validate(nameof(TrainingOptions));
    }
}
