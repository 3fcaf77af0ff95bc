using TransferSharp.Runs;

namespace TransferSharp.Tests.Runs;

public class SavedModelTests
{
    [Fact]
    public void AFolderThatIsNotARunSaysWhatIsMissing()
    {
        string empty = TestPaths.NewTempDir("not-a-run");
        var missing = Assert.Throws<FileNotFoundException>(() => SavedModel.Load(empty));
        Assert.Contains("model.json is missing", missing.Message);
        Assert.Contains(empty, missing.Message);
        string nowhere = Path.Combine(empty, "nowhere");
        Assert.Contains(
            "run folder not found",
            Assert.Throws<FileNotFoundException>(() => SavedModel.Load(nowhere)).Message
        );
        File.WriteAllText(Path.Combine(empty, SavedModel.ManifestFile), "[1, 2]");
        Assert.Contains("model.json", Assert.Throws<InvalidDataException>(() => SavedModel.Load(empty)).Message);
    }

    [Fact]
    public void APreparedRunFolderIsCreatedAndWritable()
    {
        string folder = Path.Combine(TestPaths.NewTempDir("prepare"), "a", "b");
        Assert.Equal(Path.GetFullPath(folder), RunFolder.Prepare(folder));
        Assert.True(Directory.Exists(folder));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }
}
