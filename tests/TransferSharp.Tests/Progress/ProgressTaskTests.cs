using TransferSharp.Progress;

namespace TransferSharp.Tests.Progress;

public class ProgressTaskTests
{
    private sealed class Recorder : IProgress<ProgressUpdate>
    {
        public List<ProgressUpdate> Updates { get; } = new();

        public void Report(ProgressUpdate value)
        {
            lock (Updates)
                Updates.Add(value);
        }
    }

    [Fact]
    public void ATaskReportsItsStartStepsDescriptionAndEndOnce()
    {
        var recorder = new Recorder();
        using (ProgressTask task = recorder.Begin("decoding", 4))
        {
            task.Advance(1);
            task.Describe("decoding: 1 bad image");
            task.Advance(3);
            task.Dispose();
        }
        recorder.Info("cache hit");
        Assert.Equal(
            new[]
            {
                ProgressKind.Started,
                ProgressKind.Advanced,
                ProgressKind.Described,
                ProgressKind.Advanced,
                ProgressKind.Finished,
                ProgressKind.Message,
            },
            recorder.Updates.Select(u => u.Kind)
        );
        Assert.Equal((4L, 4L), (recorder.Updates[4].Completed, recorder.Updates[4].Total));
        Assert.Equal("decoding: 1 bad image", recorder.Updates[4].Text);
        Assert.Equal(0, recorder.Updates[5].TaskId);
        Assert.NotEqual(0, recorder.Updates[0].TaskId);
    }

    [Fact]
    public void AdvancesFromManyThreadsAddUpAndANullReporterIsSilent()
    {
        var recorder = new Recorder();
        using ProgressTask task = recorder.Begin("parallel", 1000);
        Parallel.For(0, 1000, _ => task.Advance(1));
        Assert.Equal(1000, task.Completed);
        Assert.Equal(1000, recorder.Updates.Where(u => u.Kind == ProgressKind.Advanced).Max(u => u.Completed));
        IProgress<ProgressUpdate>? none = null;
        using ProgressTask silent = none.Begin("nothing", 3);
        silent.Advance(3);
        none.Info("nobody listens");
        Assert.Equal(3, silent.Completed);
    }
}
