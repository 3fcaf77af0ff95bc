using TransferSharp.Training;

namespace TransferSharp.Runs;

/// <summary>A saved model's outputs on a list of images.</summary>
/// <param name="Features">The backbone's pooled features, one row per kept image.</param>
/// <param name="LogProbabilities">Log-softmax outputs (with the model's test-time augmentation), one row per kept
/// image.</param>
/// <param name="Kept">Positions in the source list of the kept images.</param>
/// <param name="Bad">Images skipped as undecodable.</param>
public sealed record ModelOutputs(
    float[][] Features,
    double[][] LogProbabilities,
    int[] Kept,
    IReadOnlyList<BadImage> Bad
);
