using TransferSharp.Training;

namespace TransferSharp.Tests.Training;

public class PlanTests
{
    private static readonly string[] names = { "stem", "stage1", "stage2", "stage3", "stage4", "head" };

    private static EpochResult Epoch(TrainingHistory h, string stage, double accuracy) =>
        new(
            h.Epochs.Count + 1,
            stage,
            1,
            0.5,
            1 - accuracy,
            accuracy,
            new Dictionary<string, double>(),
            0,
            0,
            false,
            1
        );

    /// <summary>Runs the plan over scripted validation accuracies; returns the plans it produced.</summary>
    private static List<EpochPlan> Script(IStrategyPlan plan, params double[] accuracies)
    {
        var history = new TrainingHistory();
        var plans = new List<EpochPlan>();
        for (int e = 0; ; e++)
        {
            EpochPlan p = plan.Next(e, history);
            plans.Add(p);
            if (p.Stop || e >= accuracies.Length)
                break;
            history.Add(Epoch(history, p.Stage, accuracies[e]));
        }
        return plans;
    }

    [Fact]
    public void FineTuneFreezesBelowK()
    {
        var plan = new FineTunePlan(names, freezeTo: 3).Next(0, new TrainingHistory());
        Assert.Equal(
            new[]
            {
                GroupMode.Frozen,
                GroupMode.Frozen,
                GroupMode.Frozen,
                GroupMode.Full,
                GroupMode.Full,
                GroupMode.Full,
            },
            plan.Modes
        );
        Assert.Equal("stage3..head", plan.Stage);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FineTunePlan(names, 6));
    }

    [Fact]
    public void BatchNormOnlyTrainsTheHeadFully()
    {
        var plan = new BatchNormOnlyPlan(names).Next(0, new TrainingHistory());
        Assert.All(plan.Modes.Take(5), m => Assert.Equal(GroupMode.BatchNormOnly, m));
        Assert.Equal(GroupMode.Full, plan.Modes[5]);
    }

    [Fact]
    public void GradualUnfreezeGoesTopDownOnPlateaus()
    {
        var plans = Script(
            new GradualUnfreezePlan(names, patience: 2),
            0.50,
            0.60,
            0.60,
            0.59, // head: best at epoch 2, two epochs without improvement
            0.70,
            0.72,
            0.71,
            0.70
        ); // + stage4: better; plateau again
        Assert.Equal("head", plans[0].Stage);
        Assert.Equal("head", plans[3].Stage);
        Assert.Equal("stage4..head", plans[4].Stage);
        Assert.Equal("stage3..head", plans[8].Stage);
        Assert.Equal(GroupMode.Full, plans[8].Modes[3]);
        Assert.Equal(GroupMode.Frozen, plans[8].Modes[2]);
    }

    [Fact]
    public void GradualUnfreezeRollsBackWhenADeeperStageIsWorse()
    {
        var plan = new GradualUnfreezePlan(names, patience: 1);
        var plans = Script(
            plan,
            0.60,
            0.80,
            0.79, // head: best 0.80
            0.70,
            0.65
        ); // + stage4: best 0.70 < 0.80 -> roll back and stop
        EpochPlan last = plans[^1];
        Assert.True(last.Stop);
        Assert.True(last.RestoreBest);
        Assert.Contains("stage4", last.Reason);
        Assert.Equal(2, plan.Stages.Count);
        Assert.Equal(0.80, plan.Stages[0].BestValAccuracy);
        Assert.Equal(new[] { "stage4", "head" }, plan.Stages[1].GroupsTrained);
    }

    [Fact]
    public void GradualUnfreezeStopsWhenEveryGroupHasTrained()
    {
        var accuracies = Enumerable.Range(0, 40).Select(i => 0.5 + 0.01 * (i / 2)).ToArray(); // slow, steady gains
        var plans = Script(new GradualUnfreezePlan(names, patience: 1), accuracies);
        Assert.True(plans[^1].Stop);
        Assert.Contains("every group", plans[^1].Reason);
        Assert.Contains(plans, p => p.Stage == "stem..head");
    }
}
