using TransferSharp.Runs;

namespace TransferSharp.Tests.Runs;

public class RunFolderTests
{
    private static string OldRun()
    {
        string run = Path.Combine(TestPaths.NewTempDir("runfolder"), "run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "model.json"), "old model");
        File.WriteAllText(Path.Combine(run, "metrics.json"), "old metrics");
        File.WriteAllText(Path.Combine(run, "predictions.csv"), "old extra file");
        return run;
    }

    private static void WriteNewRun(string staging)
    {
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "model.json"), "new model");
        File.WriteAllText(Path.Combine(staging, "metrics.json"), "new metrics");
    }

    private static void AssertOnlyTheRunIn(string parent) =>
        Assert.Equal(new[] { "run" }, Directory.GetFileSystemEntries(parent).Select(Path.GetFileName));

    [Fact]
    public void ANewRunReplacesTheOldOneWholeAndLeavesNoStagingBehind()
    {
        string run = OldRun();
        string returned = RunFolder.Replace(run, WriteNewRun);
        Assert.Equal(Path.GetFullPath(run), returned);
        Assert.Equal("new model", File.ReadAllText(Path.Combine(run, "model.json")));
        Assert.False(File.Exists(Path.Combine(run, "predictions.csv")), "a file of the old run stayed");
        AssertOnlyTheRunIn(Path.GetDirectoryName(run)!);
    }

    [Fact]
    public void AFailureWhileWritingLeavesTheOldRunIntact()
    {
        string run = OldRun();
        Assert.Throws<IOException>(() =>
            RunFolder.Replace(
                run,
                staging =>
                {
                    Directory.CreateDirectory(staging);
                    File.WriteAllText(Path.Combine(staging, "model.json"), "half of a new model");
                    throw new IOException("No space left on device");
                }
            )
        );
        Assert.Equal("old model", File.ReadAllText(Path.Combine(run, "model.json")));
        Assert.Equal("old metrics", File.ReadAllText(Path.Combine(run, "metrics.json")));
        AssertOnlyTheRunIn(Path.GetDirectoryName(run)!);
    }

    [Fact]
    public void TheStagingFolderOfAKilledWriterIsRemovedByTheNextRun()
    {
        string run = OldRun();
        string parent = Path.GetDirectoryName(run)!;
        // No process has a pid above the kernel's maximum (4194304).
        string orphan = Path.Combine(parent, $".run.partial-{int.MaxValue}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(orphan);
        File.WriteAllText(Path.Combine(orphan, "head.bin"), "");
        RunFolder.Replace(run, WriteNewRun);
        AssertOnlyTheRunIn(parent);
    }

    [Fact]
    public void AFolderOfOtherFilesIsRefusedAndKept()
    {
        string folder = TestPaths.NewTempDir("runfolder-other");
        File.WriteAllText(Path.Combine(folder, "thesis.tex"), "years of work");
        var e = Assert.Throws<OptionException>(() => RunFolder.Replace(folder, _ => { }));
        Assert.Contains("not empty", e.Message);
        Assert.Equal("years of work", File.ReadAllText(Path.Combine(folder, "thesis.tex")));
    }
}
