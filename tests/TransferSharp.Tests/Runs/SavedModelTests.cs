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

    [Fact]
    public void AMissingWeightsFileOrANewerFormatIsNamedBeforeLoading()
    {
        string folder = QuickRun();
        string manifest = Path.Combine(folder, SavedModel.ManifestFile);
        // Without its checksums (a run saved before them), the format and file checks are what is left.
        File.Delete(Path.Combine(folder, RunFolder.ChecksumFile));
        string text = File.ReadAllText(manifest);
        File.WriteAllText(manifest, text.Replace("\"format_version\": 1", "\"format_version\": 7"));
        Assert.Contains("format version 7", Assert.Throws<InvalidDataException>(() => SavedModel.Load(folder)).Message);
        File.WriteAllText(manifest, text);
        File.Delete(Path.Combine(folder, "head.bin"));
        Assert.Contains(
            "head.bin is missing",
            Assert.Throws<FileNotFoundException>(() => SavedModel.Load(folder)).Message
        );
    }

    [Fact]
    public void AWeightsFileOrManifestChangedAfterSavingIsRefusedNamingIt()
    {
        string folder = QuickRun();
        Assert.Contains("head.bin", File.ReadAllText(Path.Combine(folder, RunFolder.ChecksumFile)));
        using (SavedModel.Load(folder)) { }
        string head = Path.Combine(folder, "head.bin");
        byte[] good = File.ReadAllBytes(head);
        byte[] flipped = (byte[])good.Clone();
        flipped[^5] ^= 0x40; // a bit flip of the same length: the file still parses
        File.WriteAllBytes(head, flipped);
        var e = Assert.Throws<InvalidDataException>(() => SavedModel.Load(folder));
        Assert.Contains("head.bin", e.Message);
        Assert.Contains("SHA-256", e.Message);
        File.WriteAllBytes(head, good);
        string manifest = Path.Combine(folder, SavedModel.ManifestFile);
        File.AppendAllText(manifest, " ");
        Assert.Contains("model.json", Assert.Throws<InvalidDataException>(() => SavedModel.Load(folder)).Message);
    }

    private static string QuickRun()
    {
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("saved-train"), 2, 6, 32);
        var options = new TransferSharp.Learning.LearnerOptions
        {
            Data = new TransferSharp.Data.DataOptions
            {
                Train = train,
                ValidationFraction = 0.34,
                UseCache = false,
            },
            Model = new TransferSharp.Training.ModelOptions { Size = 32 },
            Strategy = new TransferSharp.Strategies.FeatureExtraction.FeatureExtractionOptions { HeadSteps = 10 },
        };
        using var fitted = new TransferSharp.Learning.TransferLearner(options).Fit();
        return fitted.Save(TestPaths.NewTempDir("saved-run"));
    }
}
