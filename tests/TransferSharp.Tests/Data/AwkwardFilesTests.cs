using System.Diagnostics;
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Strategies.FeatureExtraction;

namespace TransferSharp.Tests.Data;

public class AwkwardFilesTests
{
    [Fact]
    public void ASymlinkLoopIsVisitedOnceAndHiddenFilesAreLeftOut()
    {
        string root = TestImages.WriteFolder(TestPaths.NewTempDir("awkward-loop"), classes: 2, perClass: 3, size: 8);
        string class0 = Path.Combine(root, "class0");
        Directory.CreateSymbolicLink(Path.Combine(class0, "loop"), class0);
        Directory.CreateSymbolicLink(Path.Combine(root, "class1", "again"), Path.Combine(root, "class1"));
        File.WriteAllText(Path.Combine(class0, "._shadow.png"), "AppleDouble");
        File.WriteAllText(Path.Combine(class0, ".DS_Store"), "finder");

        ImageDataset data = DatasetLoader.Load(root);

        Assert.Equal(6, data.Count);
        // Below the dataset's folder (which itself may sit in a hidden one, such as CI's .ci-tmp).
        Assert.All(data.Items, i => Assert.DoesNotContain("/.", "/" + Path.GetRelativePath(root, i.Source.Id)));
    }

    [Fact]
    public void AFifoOrADeviceInADataFolderIsLeftOutWithAWarningNamingIt()
    {
        string root = TestImages.WriteFolder(TestPaths.NewTempDir("awkward-fifo"), classes: 2, perClass: 4, size: 8);
        string fifo = Path.Combine(root, "class0", "pipe.png");
        MakeFifo(fifo);
        string device = Path.Combine(root, "class1", "null.png");
        File.CreateSymbolicLink(device, "/dev/null");

        ImageDataset data = DatasetLoader.Load(root);

        Assert.Equal(8, data.Count);
        Assert.DoesNotContain(data.Items, i => i.Source.Id == fifo || i.Source.Id == device);
        Assert.Equal(2, data.LeftOut.Count);
        Assert.Contains(data.LeftOut, l => l.StartsWith(fifo, StringComparison.Ordinal) && l.Contains("FIFO"));
        Assert.Contains(data.LeftOut, l => l.StartsWith(device, StringComparison.Ordinal) && l.Contains("device"));
        // The learner shows each as a warning before training, and the run record lists them.
        var messages = new List<string>();
        var options = TestRuns.Options(root, new FeatureExtractionOptions());
        using FitResult result = new TransferLearner(options).Fit(new SynchronousProgress(u => messages.Add(u.Text)));
        Assert.Contains(messages, m => m.StartsWith("warning: " + fifo, StringComparison.Ordinal));
        Assert.Equal(data.LeftOut, result.Report.LeftOutFiles);
    }

    [Fact]
    public async Task AFifoNamedDirectlyIsRefusedWithoutBlocking()
    {
        string fifo = Path.Combine(TestPaths.NewTempDir("awkward-fifo-direct"), "pipe.png");
        MakeFifo(fifo);
        IImageSource source = DatasetLoader.SourceFor(fifo);

        Task<DataException> read = Task.Run(() => Assert.Throws<DataException>(() => source.Decode()));
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(20))));
        DataException e = await read;
        Assert.Contains("pipe.png", e.Message);
        Assert.Contains("not a regular file", e.Message);
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", path);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    [Theory]
    [InlineData("empty.npy")]
    [InlineData("empty.tif")]
    [InlineData("empty.png")]
    public void AnEmptyFileOfEachKindIsAnErrorNamingIt(string name)
    {
        string path = Path.Combine(TestPaths.NewTempDir("awkward-empty"), name);
        File.WriteAllBytes(path, Array.Empty<byte>());
        IImageSource source = DatasetLoader.SourceFor(path);
        var e = Assert.Throws<DataException>(() =>
        {
            if (source is IChannelSource channels)
                channels.DecodeChannels();
            else
                source.Decode();
        });
        Assert.Contains(name, e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void ADanglingSymlinkIsAnErrorNamingIt()
    {
        string path = Path.Combine(TestPaths.NewTempDir("awkward-dangling"), "gone.png");
        File.CreateSymbolicLink(path, "/nonexistent/transfersharp/gone.png");
        var e = Assert.Throws<DataException>(() => DatasetLoader.SourceFor(path).Decode());
        Assert.Contains("gone.png", e.Message);
    }
}
