using TransferSharp.Training;

namespace TransferSharp.Tests.Training;

public class TrainingHistoryTests
{
    private static EpochResult Result(int epoch, double accuracy, double loss) =>
        new(epoch, "all", 0.5, 0.9, loss, accuracy, new Dictionary<string, double>(), 0, 0, false, 1);

    private static (TrainingHistory history, EpochResult start) Started(double accuracy, double loss)
    {
        var history = new TrainingHistory();
        var start = Result(0, accuracy, loss);
        history.SetStart(start);
        return (history, start);
    }

    [Fact]
    public void ATrainedEpochThatTiesTheStartOnAccuracyTakesTheLead()
    {
        // An unsmoothed probe start (low loss) and a label-smoothed network of the same accuracy (higher loss).
        var (history, start) = Started(0.89, 0.33);
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
        // The same order outside a history: the start never wins a tie.
        Assert.True(TrainingHistory.IsBetter(tied, start));
        Assert.False(TrainingHistory.IsBetter(start, tied));
    }

    [Fact]
    public void TheStartStaysBestWhenNoEpochReachesItsAccuracy()
    {
        var (history, start) = Started(0.89, 0.50);
        Assert.False(history.Add(Result(1, 0.88, 0.20)));
        Assert.Same(start, history.Best);
        Assert.Equal(1, history.EpochsSinceBest);
    }
}
