using TransferSharp.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Tests.Training;

public class LinearProbeTests
{
    // Three overlapping Gaussian classes in 20 dimensions: not separable, so every penalty has a finite optimum.
    private static (Tensor x, Tensor y) Blobs(int perClass, int seed)
    {
        manual_seed(seed);
        Tensor centres = randn(3, 20) * 0.8;
        Tensor y = arange(3).repeat_interleave(perClass);
        Tensor x = centres.index_select(0, y) + randn(3 * perClass, 20) * 2 + 5;
        return (x, y);
    }

    // The objective both solvers minimise: mean cross-entropy on standardised features + decay/2 |W|^2.
    private static double Objective(ClassifierHead head, Tensor x, Tensor y, double decay)
    {
        using var _ = no_grad();
        return F.cross_entropy(head.forward(x), y).item<float>() + 0.5 * decay * head.Weight.pow(2).sum().item<float>();
    }

    [Fact]
    public void LbfgsReachesALowerObjectiveThanAdamsFixedSteps()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Blobs(40, 1);
        var lbfgs = new LinearProbeOptions { Solver = HeadSolver.Lbfgs };
        var adam = new LinearProbeOptions { Solver = HeadSolver.Adam };
        foreach (double decay in new[] { 1e-3, 1e-1 })
        {
            using ClassifierHead exact = LinearProbe.Train(x, y, 20, 3, decay, lbfgs);
            using ClassifierHead steps = LinearProbe.Train(x, y, 20, 3, decay, adam);
            double a = Objective(exact, x, y, decay),
                b = Objective(steps, x, y, decay);
            Assert.True(a <= b + 1e-5, $"decay {decay}: L-BFGS {a:F6} above Adam's {b:F6}");
        }
    }

    [Fact]
    public void AWarmStartEndsWhereAColdStartEnds()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Blobs(30, 2);
        var options = new LinearProbeOptions();
        using ClassifierHead nearby = LinearProbe.Train(x, y, 20, 3, 1.0, options);
        using ClassifierHead cold = LinearProbe.Train(x, y, 20, 3, 0.01, options);
        using ClassifierHead warm = LinearProbe.Train(x, y, 20, 3, 0.01, options, warmStart: nearby);
        // Convex: both reach the one optimum, within the stopping tolerance (largest gradient entry 1e-4).
        Assert.Equal(Objective(cold, x, y, 0.01), Objective(warm, x, y, 0.01), 4);
        Assert.NotEqual(Objective(nearby, x, y, 0.01), Objective(cold, x, y, 0.01), 3);
    }

    [Fact]
    public void ThePathRecordsEveryPenaltyInTheOrderAskedAndKeepsTheChosenHead()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Blobs(30, 3);
        var (vx, vy) = Blobs(10, 3);
        var options = new LinearProbeOptions { WeightDecays = new[] { 1e-3, 1.0, 1e-1 }, RefitOnAll = false };
        LinearProbeResult result = LinearProbe.Fit(x, y, vx, vy, 3, options, null);
        using ClassifierHead head = result.Head;
        Assert.Equal(options.WeightDecays, result.Trials.Select(t => t.WeightDecay));
        Assert.All(result.Trials, t => Assert.True(t.Evaluations >= 1, $"{t.WeightDecay}: {t.Evaluations}"));
        WeightDecayTrial best = result.Trials.MinBy(t => t.ValidationLoss)!;
        Assert.Equal(best.WeightDecay, result.WeightDecay);
        // Without the refit the result is the path's own head at that penalty, scored as recorded.
        Assert.Equal(best.ValidationLoss, LinearProbe.Score(head, vx, vy).loss, 5);
    }
}
