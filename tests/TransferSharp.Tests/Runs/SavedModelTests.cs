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
        string folder;
        using (var fitted = new TransferSharp.Learning.TransferLearner(options).Fit())
            folder = fitted.Save(TestPaths.NewTempDir("saved-run"));
        string manifest = Path.Combine(folder, SavedModel.ManifestFile);
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
}
