using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Strategies;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Learning;

/// <summary>A fit's data: the labelled images and their stratified split, and the test images.</summary>
/// <param name="Train">The labelled images.</param>
/// <param name="Test">The test images, or null.</param>
/// <param name="TrainRows">Rows of <paramref name="Train"/> trained on.</param>
/// <param name="ValidationRows">Rows held out for validation.</param>
public sealed record LearnerData(ImageDataset Train, ImageDataset? Test, int[] TrainRows, int[] ValidationRows)
{
    /// <summary>What a strategy trains from: this data on <paramref name="backbone"/> under <paramref
    /// name="options"/>.</summary>
    public StrategyRun Run(
        LearnerOptions options,
        Backbone backbone,
        Device device,
        IProgress<ProgressUpdate>? progress,
        CancellationToken cancellation,
        CheckpointStore? checkpoints = null
    ) =>
        new()
        {
            Backbone = backbone,
            Data = Train,
            TrainRows = TrainRows,
            ValidationRows = ValidationRows,
            Test = Test,
            DataOptions = options.Data,
            Model = options.Model,
            Training = options.Training,
            Seed = options.Seed,
            Device = device,
            Progress = progress,
            Cancellation = cancellation,
            Checkpoints = checkpoints,
        };
}
