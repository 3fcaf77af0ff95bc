namespace TransferSharp.Training;

/// <summary>What a training checkpoint holds the state of: the loop's context (model, history, random generators,
/// step), the optimizer, the best checkpoint and the weight average.</summary>
internal sealed record CheckpointParts(
    TrainingContext Context,
    GroupOptimizer Optimizer,
    BestCheckpoint Best,
    WeightAveraging? Averaging
);
