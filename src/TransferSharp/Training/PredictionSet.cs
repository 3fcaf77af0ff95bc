namespace TransferSharp.Training;

/// <summary>A model's predictions on labelled images: which image, its class, the model's log-probabilities.</summary>
/// <param name="Ids">Each image's id (its file, or IDX record).</param>
/// <param name="Labels">Each image's true class.</param>
/// <param name="LogProbabilities">The model's log-softmax outputs, one row per image.</param>
public sealed record PredictionSet(string[] Ids, int[] Labels, double[][] LogProbabilities)
{
    /// <summary>The file name of the test images' predictions in a run folder.</summary>
    public const string TestFile = "test_predictions.json";

    /// <summary>Share of images whose most probable class is the true one.</summary>
    public double Accuracy() =>
        Labels.Length == 0
            ? double.NaN
            : Labels.Where((label, i) => ModelEvaluation.ArgMax(LogProbabilities[i]) == label).Count()
                / (double)Labels.Length;
}
