using TransferSharp.Training;

namespace TransferSharp.Reports;

/// <summary>The confusion matrix, per-class precision and recall, and the worst-scored images of a prediction
/// set.</summary>
internal sealed class PredictionStats
{
    private readonly ScoredImages images;

    /// <summary>Counts <paramref name="images"/> over <paramref name="classes"/> classes (at least the widest
    /// row's).</summary>
    public PredictionStats(ScoredImages images, int classes)
    {
        this.images = images;
        Classes = Math.Max(classes, Math.Max(images.LogProbabilities.Max(r => r.Length), images.Labels.Max() + 1));
        Confusion = new int[Classes][];
        for (int c = 0; c < Classes; c++)
            Confusion[c] = new int[Classes];
        Predicted = images.LogProbabilities.Select(r => ModelEvaluation.ArgMax(r)).ToArray();
        for (int i = 0; i < images.Labels.Length; i++)
            Confusion[images.Labels[i]][Predicted[i]]++;
    }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Counts: rows the true class, columns the predicted one.</summary>
    public int[][] Confusion { get; }

    /// <summary>Each image's most probable class.</summary>
    public int[] Predicted { get; }

    /// <summary>Share of images whose most probable class is the true one.</summary>
    public double Accuracy =>
        Enumerable.Range(0, Classes).Sum(c => Confusion[c][c]) / (double)Math.Max(1, images.Labels.Length);

    /// <summary>Images of class <paramref name="c"/>.</summary>
    public int Support(int c) => Confusion[c].Sum();

    /// <summary>Of the images predicted as <paramref name="c"/>, the share that are; NaN when none is.</summary>
    public double Precision(int c)
    {
        int predicted = Enumerable.Range(0, Classes).Sum(t => Confusion[t][c]);
        return predicted == 0 ? double.NaN : Confusion[c][c] / (double)predicted;
    }

    /// <summary>Of the images of class <paramref name="c"/>, the share predicted as it; NaN when there are
    /// none.</summary>
    public double Recall(int c) => Support(c) == 0 ? double.NaN : Confusion[c][c] / (double)Support(c);

    /// <summary>The <paramref name="count"/> images with the highest cross-entropy loss, highest first.</summary>
    public IReadOnlyList<TopLoss> TopLosses(int count) =>
        images
            .Labels.Select(
                (label, i) =>
                {
                    double[] row = images.LogProbabilities[i];
                    int predicted = Predicted[i];
                    return new TopLoss(
                        i,
                        images.Ids is { } ids && i < ids.Length ? ids[i] : null,
                        label,
                        predicted,
                        Math.Exp(row[label]),
                        Math.Exp(row[predicted]),
                        -row[label]
                    );
                }
            )
            .OrderByDescending(t => double.IsNaN(t.Loss) ? double.PositiveInfinity : t.Loss)
            .ThenBy(t => t.Index)
            .Take(count)
            .ToList();
}
