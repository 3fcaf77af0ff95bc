namespace TransferSharp.Training;

/// <summary>Accuracy, per-class accuracy and the confusion matrix of a set of predictions.</summary>
/// <param name="Accuracy">Share of correct predictions.</param>
/// <param name="PerClassAccuracy">Recall of each class, by name.</param>
/// <param name="Confusion">Counts [true class][predicted class].</param>
/// <param name="ClassNames">Class names by index.</param>
public sealed record ClassificationReport(
    double Accuracy,
    IReadOnlyDictionary<string, double> PerClassAccuracy,
    int[][] Confusion,
    IReadOnlyList<string> ClassNames
)
{
    /// <summary>The report of a model's predictions (the most probable class of each image).</summary>
    public static ClassificationReport From(PredictionSet predictions, IReadOnlyList<string> classNames) =>
        From(
            predictions.Labels.Select(l => (long)l).ToArray(),
            predictions.LogProbabilities.Select(row => (long)ModelEvaluation.ArgMax(row)).ToArray(),
            classNames
        );

    /// <summary>Builds the report from true and predicted class indices.</summary>
    public static ClassificationReport From(
        IReadOnlyList<long> truth,
        IReadOnlyList<long> predicted,
        IReadOnlyList<string> classNames
    )
    {
        int k = classNames.Count;
        var confusion = Enumerable.Range(0, k).Select(_ => new int[k]).ToArray();
        for (int i = 0; i < truth.Count; i++)
            confusion[truth[i]][predicted[i]]++;
        int correct = Enumerable.Range(0, k).Sum(c => confusion[c][c]);
        var perClass = new Dictionary<string, double>();
        for (int c = 0; c < k; c++)
        {
            int count = confusion[c].Sum();
            perClass[classNames[c]] = count == 0 ? double.NaN : Math.Round((double)confusion[c][c] / count, 4);
        }
        return new ClassificationReport(
            truth.Count == 0 ? double.NaN : (double)correct / truth.Count,
            perClass,
            confusion,
            classNames
        );
    }
}
