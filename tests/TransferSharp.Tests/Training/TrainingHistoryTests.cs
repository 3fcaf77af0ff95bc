using TransferSharp.Training;

namespace TransferSharp.Tests.Training;

public class TrainingHistoryTests
{
    private static EpochResult Result(int epoch, double accuracy, double loss) =>
        new(epoch, "all", 0.5, 0.9, loss, accuracy, new Dictionary<string, double>(), 0, 0, false, 1);

    [Fact]
    public void ATrainedEpochThatTiesTheStartOnAccuracyTakesTheLead()
    {
        // An unsmoothed probe start (low loss) and a label-smoothed network of the same accuracy (higher loss).
        var history = new TrainingHistory();
        var start = Result(0, 0.89, 0.33);
        history.SetStart(start);
        Assert.False(history.Add(Result(1, 0.85, 0.30)));
        Assert.Same(start, history.Best);
        var tied = Result(2, 0.89, 0.50);
        Assert.True(history.Add(tied));
        Assert.Same(tied, history.Best);
        // Among trained epochs a tie still goes to the lower loss.
        Assert.False(history.Add(Result(3, 0.89, 0.55)));
        var lower = Result(4, 0.89, 0.45);
        Assert.True(history.Add(lower));
        Assert.Same(lower, history.Best);
        Assert.Equal(0, history.EpochsSinceBest);
    }

    [Fact]
    public void TheStartStaysBestWhenNoEpochReachesItsAccuracy()
    {
        var history = new TrainingHistory();
        var start = Result(0, 0.89, 0.50);
        history.SetStart(start);
        Assert.False(history.Add(Result(1, 0.88, 0.20)));
        Assert.Same(start, history.Best);
        Assert.Equal(1, history.EpochsSinceBest);
    }
}
