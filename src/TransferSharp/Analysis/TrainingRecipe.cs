namespace TransferSharp.Analysis;

/// <summary>The advised training recipe of a network strategy (its defaults in this tool).</summary>
/// <param name="Epochs">Training epochs (gradual unfreezing: the most; it stops stages on validation).</param>
/// <param name="HeadLearningRate">Peak learning rate of the head.</param>
/// <param name="StemLearningRate">Peak learning rate of the stem (discriminative rates in between, geometric).</param>
/// <param name="Schedule">The learning-rate schedule.</param>
public sealed record TrainingRecipe(int Epochs, double HeadLearningRate, double StemLearningRate, string Schedule);
