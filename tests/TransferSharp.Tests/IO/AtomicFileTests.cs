using TransferSharp.IO;

namespace TransferSharp.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void AFailedWriteKeepsTheOldContentAndLeavesNoTemporaryFile()
    {
        string folder = TestPaths.NewTempDir("atomic");
        string path = Path.Combine(folder, "record.json");
        AtomicFile.WriteAllText(path, "old");
        Assert.Throws<IOException>(() =>
            AtomicFile.Write(
                path,
                temp =>
                {
                    File.WriteAllText(temp, "half");
                    throw new IOException("disk full");
                }
            )
        );
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(new[] { "record.json" }, Directory.GetFiles(folder).Select(Path.GetFileName));
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
    }

    [Fact]
    public void JsonIsSnakeCaseAndErrorsNameTheFile()
    {
        string path = Path.Combine(TestPaths.NewTempDir("json"), "x.json");
        Json.Write(path, new { TestAccuracy = 0.5, SkippedImages = (string?)null });
        Assert.Equal("{\n  \"test_accuracy\": 0.5\n}", File.ReadAllText(path));
        File.WriteAllText(path, "{ not json");
        Assert.Contains(
            path,
            Assert.Throws<InvalidDataException>(() => Json.Read<Dictionary<string, double>>(path)).Message
        );
    }
}
