using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Strategies;

/// <summary>Everything a strategy trains from: the backbone, the data and its split, the options, where to
/// report.</summary>
public sealed record StrategyRun
{
    /// <summary>The backbone (pretrained; the run may change it).</summary>
    public required Backbone Backbone { get; init; }

    /// <summary>The labelled data.</summary>
    public required ImageDataset Data { get; init; }

    /// <summary>Rows of <see cref="Data"/> trained on.</summary>
    public required int[] TrainRows { get; init; }

    /// <summary>Rows of <see cref="Data"/> held out for validation.</summary>
    public required int[] ValidationRows { get; init; }

    /// <summary>A labelled test set, or null.</summary>
    public ImageDataset? Test { get; init; }

    /// <summary>Data options (skipping bad images, the cache).</summary>
    public DataOptions DataOptions { get; init; } = new();

    /// <summary>Model options (adapter, test-time augmentation).</summary>
    public ModelOptions Model { get; init; } = new();

    /// <summary>The loop options as asked; the strategy resolves its defaults.</summary>
    public TrainingOptions Training { get; init; } = new();

    /// <summary>Seed of initialisation, shuffling and augmentation.</summary>
    public int Seed { get; init; }

    /// <summary>The device.</summary>
    public Device Device { get; init; } = CPU;

    /// <summary>Where progress goes.</summary>
    public IProgress<ProgressUpdate>? Progress { get; init; }

    /// <summary>Stops the run between steps.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Where the fit loop saves its state after every epoch, and resumes from (none by default).</summary>
    public CheckpointStore? Checkpoints { get; init; }

    /// <summary>A head fitted earlier on the same frozen features and split: feature extraction reuses it (with its
    /// out-of-fold predictions) when its key matches.</summary>
    internal FeatureExtraction.FittedProbe? FittedProbe { get; init; }

    /// <summary>
    /// Whether the images go through the channel pipeline (raw channels standardised per channel with training
    /// statistics): for .npy and TIFF data, and for the weight-sum and conv1x1 adapters on any data.
    /// </summary>
    public bool UsesChannelPipeline => NeedsChannelPipeline(Model, Data);

    /// <summary>Whether images of <paramref name="data"/> go through the channel pipeline under <paramref
    /// name="model"/>.</summary>
    public static bool NeedsChannelPipeline(ModelOptions model, ImageDataset data) =>
        model.Adapter != Adapters.AdapterKind.Replicate || data.Items.Any(i => i.Source is IChannelSource);
}
