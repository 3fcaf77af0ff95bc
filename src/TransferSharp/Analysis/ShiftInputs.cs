namespace TransferSharp.Analysis;

/// <summary>What the diagnosis works from: a trained model's outputs on the source and target data.</summary>
/// <param name="Validation">The model's held-out validation predictions (calibration, confusion, predicted-label
/// distribution).</param>
/// <param name="SourceFeatures">Backbone features of labelled source images.</param>
/// <param name="SourceLabels">Their labels.</param>
/// <param name="TargetFeatures">Backbone features of the unlabelled target images.</param>
/// <param name="TargetLogProbabilities">The model's log-probabilities on them.</param>
/// <param name="LabelledTargetLogProbabilities">Optional: the model's log-probabilities on a few labelled target
/// images.</param>
/// <param name="LabelledTargetLabels">Their labels.</param>
public sealed record ShiftInputs(
    CalibrationSet Validation,
    IReadOnlyList<float[]> SourceFeatures,
    int[] SourceLabels,
    IReadOnlyList<float[]> TargetFeatures,
    double[][] TargetLogProbabilities,
    double[][]? LabelledTargetLogProbabilities = null,
    int[]? LabelledTargetLabels = null
);
