using TransferSharp.Multimodal;

namespace TransferSharp.Tests.Multimodal;

/// <summary>The record's shift tests against SciPy's on the same numbers (reference values from scipy.stats
/// 1.10: ks_2samp(method="asymp") and chi2_contingency(correction=False)).</summary>
public class RecordShiftTests
{
    [Fact]
    public void SmirnovMatchesSciPy()
    {
        double[] a = Enumerable.Range(0, 60).Select(i => i * 0.37 % 5).ToArray();
        double[] b = Enumerable.Range(0, 80).Select(i => 1 + i * 0.53 % 5).ToArray();
        var (_, d, p) = RecordShift.Smirnov(a, b);
        Assert.Equal(0.254167, d, 5);
        // Numerical Recipes' small-sample correction of the effective size: close to SciPy's asymptotic p.
        Assert.InRange(p, 0.017, 0.024);
        Assert.Equal(0.020089, RecordShift.Smirnov(a, b).p, 2);
    }

    [Fact]
    public void ChiSquareMatchesSciPy()
    {
        var (_, statistic, p) = RecordShift.ChiSquare(new double[] { 30, 20, 10 }, new double[] { 20, 25, 25 });
        Assert.Equal(8.263794, statistic, 5);
        Assert.Equal(0.016052, p, 5);
        // Categories empty on both sides do not count as cells.
        Assert.Equal(p, RecordShift.ChiSquare(new double[] { 30, 20, 10, 0 }, new double[] { 20, 25, 25, 0 }).p, 9);
    }
}
