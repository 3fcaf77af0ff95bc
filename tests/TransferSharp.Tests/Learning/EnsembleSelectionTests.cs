using TransferSharp.Learning;

namespace TransferSharp.Tests.Learning;

public class EnsembleSelectionTests
{
    // Log-probabilities of two classes, each row giving the true class probability p.
    private static double[][] Rows(int[] labels, Func<int, double> p) =>
        labels
            .Select(
                (label, r) =>
                    label == 0
                        ? new[] { Math.Log(p(r)), Math.Log(1 - p(r)) }
                        : new[] { Math.Log(1 - p(r)), Math.Log(p(r)) }
            )
            .ToArray();

    [Fact]
    public void TwoModelsWrongOnDifferentImagesAreMixedAndKept()
    {
        int[] labels = Enumerable.Range(0, EnsembleSelection.FittedFrom).Select(r => r % 2).ToArray();
        // Each is confidently wrong on its own third of the images and right elsewhere.
        var a = Rows(labels, r => r % 3 == 0 ? 0.3 : 0.9);
        var b = Rows(labels, r => r % 3 == 1 ? 0.3 : 0.9);
        var (report, weights, mixed) = EnsembleSelection.Fit(["a", "b"], [a, b], labels, start: 0);
        Assert.True(report.Kept, report.Reason);
        Assert.All(weights, w => Assert.True(w > 0.2));
        Assert.Equal(1, weights.Sum(), 9);
        Assert.True(report.ValLoss < report.SingleValLoss);
        // The mix is the weighted mean of the probabilities.
        double expected = weights[0] * Math.Exp(a[5][labels[5]]) + weights[1] * Math.Exp(b[5][labels[5]]);
        Assert.Equal(expected, Math.Exp(mixed[5][labels[5]]), 9);
        Assert.Equal(new[] { "a", "b" }, report.Members.Select(m => m.Name));
    }

    [Fact]
    public void AWorseModelGetsNoWeightAndASingleModelIsKept()
    {
        int[] labels = Enumerable.Range(0, EnsembleSelection.FittedFrom).Select(r => r % 2).ToArray();
        var good = Rows(labels, _ => 0.9);
        var bad = Rows(labels, _ => 0.4);
        var (report, weights, _) = EnsembleSelection.Fit(["good", "bad"], [good, bad], labels, start: 0);
        Assert.Equal(new[] { 1.0, 0.0 }, weights);
        Assert.False(report.Kept);
        Assert.Contains("no other candidate", report.Reason);
    }

    [Fact]
    public void OnFewHeldOutImagesEveryCandidateWeighsTheSameAndTheGuardStillDecides()
    {
        int[] labels = Enumerable.Range(0, 120).Select(r => r % 2).ToArray();
        // Greedy weights would follow these 120 images; the plain average is what is fitted on so few.
        var a = Rows(labels, r => r % 3 == 0 ? 0.3 : 0.9);
        var b = Rows(labels, r => r % 3 == 1 ? 0.3 : 0.9);
        var c = Rows(labels, r => r % 3 == 2 ? 0.3 : 0.9);
        var (report, weights, mixed) = EnsembleSelection.Fit(["a", "b", "c"], [a, b, c], labels, start: 0);
        Assert.All(weights, w => Assert.Equal(1 / 3.0, w, 9));
        Assert.True(report.Kept, report.Reason);
        Assert.Contains("plain average", report.Reason);
        Assert.Equal((0.3 + 0.9 + 0.9) / 3, Math.Exp(mixed[0][labels[0]]), 9);
        // A much worse candidate drags the average above the best single model's loss: the single model is kept.
        var bad = Rows(labels, _ => 0.2);
        var (refused, _, _) = EnsembleSelection.Fit(["good", "bad"], [Rows(labels, _ => 0.9), bad], labels, 0);
        Assert.False(refused.Kept);
        Assert.Contains("higher than good's by", refused.Reason);
        Assert.Contains("beyond one standard error", refused.Reason);
    }

    [Fact]
    public void ALossDifferenceWithinNoiseKeepsTheSingleModelOnManyImagesAndTheAverageOnFew()
    {
        // Two models as good as each other, off in opposite directions image by image: the mean of them lowers the
        // loss a little (the log is concave), within the noise of the held-out images.
        int[] many = Enumerable.Range(0, EnsembleSelection.FittedFrom).Select(r => r % 2).ToArray();
        var a = Rows(many, r => 0.8 + 0.05 * Math.Sin(r));
        var b = Rows(many, r => 0.8 - 0.05 * Math.Sin(r));
        var (fitted, weights, _) = EnsembleSelection.Fit(["a", "b"], [a, b], many, start: 0);
        Assert.True(weights[1] > 0);
        Assert.False(fitted.Kept);
        Assert.Contains("within one standard error", fitted.Reason);
        // On few images the burden is the single model's: the average stands unless the single is better beyond
        // noise, whether the average's loss is a little lower or a little higher.
        int[] few = Enumerable.Range(0, 40).Select(r => r % 2).ToArray();
        var (lower, _, _) = EnsembleSelection.Fit(
            ["a", "b"],
            [Rows(few, r => 0.8 + 0.1 * Math.Sin(r)), Rows(few, r => 0.8 - 0.1 * Math.Sin(r))],
            few,
            start: 0
        );
        Assert.True(lower.Kept, lower.Reason);
        Assert.Contains("within one standard error", lower.Reason);
        var (higher, _, _) = EnsembleSelection.Fit(
            ["a", "b"],
            [Rows(few, r => 0.8 + 0.1 * Math.Sin(r)), Rows(few, r => 0.78 - 0.1 * Math.Sin(r))],
            few,
            start: 0
        );
        Assert.True(higher.ValLoss > higher.SingleValLoss);
        Assert.True(higher.Kept, higher.Reason);
        Assert.Contains("the average stands", higher.Reason);
    }
}
