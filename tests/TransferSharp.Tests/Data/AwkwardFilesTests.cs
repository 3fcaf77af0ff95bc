using System.Diagnostics;
using TransferSharp.Data;

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
    public async Task AFifoIsRefusedWithoutBlocking()
    {
        string root = TestImages.WriteFolder(TestPaths.NewTempDir("awkward-fifo"), classes: 2, perClass: 2, size: 8);
        string fifo = Path.Combine(root, "class0", "pipe.png");
        using (var mkfifo = Process.Start("mkfifo", fifo))
            mkfifo.WaitForExit();
        IImageSource source = DatasetLoader.Load(root).Items.Single(i => i.Source.Id == fifo).Source;

        Task<DataException> read = Task.Run(() => Assert.Throws<DataException>(() => source.Decode()));
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(20))));
        DataException e = await read;
        Assert.Contains("pipe.png", e.Message);
        Assert.Contains("not a regular file", e.Message);
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
