using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.IO;
using TransferSharp.Training;

namespace TransferSharp.Tests.Training;

public class FeatureShardTests
{
    private static Dictionary<string, float[]> Sharded(
        Backbone backbone,
        IReadOnlyList<IImageSource> sources,
        int count,
        string folder
    )
    {
        var options = new ExtractionOptions { BatchSize = 4 };
        for (int i = 0; i < count; i++)
            FeatureShards.Extract(backbone, sources, options, new ShardIndex(i, count), folder, null);
        return FeatureShards.Load(folder, backbone.FeatureKey, backbone.FeatureWidth).Features;
    }

    private static void AssertSame(
        Dictionary<string, float[]> expected,
        Dictionary<string, float[]> actual,
        string what
    )
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (key, values) in expected)
            Assert.True(values.AsSpan().SequenceEqual(actual[key]), $"{what}: features of {key} differ");
    }

    [Fact]
    public void ShardsOfAnyCountGiveOneProcesssFeaturesResumeAndRefuseWhatIsMissing()
    {
        string data = TestImages.WriteFolder(TestPaths.NewTempDir("shards-data"), 2, 7);
        var sources = DatasetLoader.Load(data).Items.Select(i => i.Source).ToList();
        using Backbone backbone = Backbone.Load(Registry.DefaultName, 32);
        var one = Sharded(backbone, sources, 1, TestPaths.NewTempDir("shards-1"));
        Assert.Equal(14, one.Count);
        string two = TestPaths.NewTempDir("shards-2");
        AssertSame(one, Sharded(backbone, sources, 2, two), "2 shards");
        string four = TestPaths.NewTempDir("shards-4");
        AssertSame(one, Sharded(backbone, sources, 4, four), "4 shards");

        // A finished shard is skipped; a killed one resumes from its .part file (whole batches: shard 0 of 2 holds
        // batches 0 and 2, the first one and a torn record of the second were written).
        var options = new ExtractionOptions { BatchSize = 4 };
        Assert.True(FeatureShards.Extract(backbone, sources, options, new ShardIndex(1, 4), four, null).Skipped);
        string stem = Directory.GetFiles(two, "shard-*-0000-of-0002.bin").Single()[..^4];
        byte[] done = File.ReadAllBytes(stem + ".bin");
        int record = 32 + 4 * backbone.FeatureWidth;
        var part = new List<byte>();
        foreach (var key in sources.Take(5).Select(s => FeatureCache.ContentKey(s.ContentBytes())))
        {
            part.AddRange(Convert.FromHexString(key));
            part.AddRange(one[key].SelectMany(BitConverter.GetBytes));
        }
        File.WriteAllBytes(stem + ".part", part.Take(4 * record + 10).ToArray());
        File.Delete(stem + ".bin");
        File.Delete(stem + ".json");
        var resumed = FeatureShards.Extract(backbone, sources, options, new ShardIndex(0, 2), two, null);
        Assert.Equal((8, 4, 4), (resumed.Images, resumed.Resumed, resumed.Computed));
        Assert.True(File.ReadAllBytes(stem + ".bin").AsSpan().SequenceEqual(done));
        Assert.False(File.Exists(stem + ".part"));
        Assert.Equal(0, Json.Read<ShardRecord>(stem + ".json").Shard);

        // Missing or damaged shards, and features of another backbone setup: errors naming the folder and the problem.
        string third = Directory.GetFiles(four, "shard-*-0002-of-0004.bin").Single();
        File.Move(third, third + ".away");
        var missing = Assert.Throws<InvalidDataException>(() =>
            FeatureShards.Load(four, backbone.FeatureKey, backbone.FeatureWidth)
        );
        Assert.Contains(four, missing.Message);
        Assert.Contains("shard(s) 2 of 4 are not finished", missing.Message);
        string firstShard = Directory.GetFiles(four, "shard-*-0000-of-0004.bin").Single();
        byte[] bytes = File.ReadAllBytes(firstShard);
        bytes[40] ^= 1;
        File.WriteAllBytes(firstShard, bytes);
        File.Move(third + ".away", third);
        var damaged = Assert.Throws<InvalidDataException>(() =>
            FeatureShards.Load(four, backbone.FeatureKey, backbone.FeatureWidth)
        );
        Assert.Contains("checksum does not match", damaged.Message);
        var other = Assert.Throws<InvalidDataException>(() =>
            FeatureShards.Load(four, backbone.FeatureKey + "|grid=2", backbone.FeatureWidth)
        );
        Assert.Contains("no finished feature shards", other.Message);
        Assert.Contains(backbone.FeatureKey, other.Message);
        var mirrored = Assert.Throws<InvalidDataException>(() =>
            FeatureShards.Load(four, backbone.MirroredFeatureKey, backbone.FeatureWidth)
        );
        Assert.Contains("run extract with --tta", mirrored.Message);

        // A scheduler that runs one index twice: the second process is refused while the first holds the shard.
        string busy = TestPaths.NewTempDir("shards-busy");
        FeatureShards.Extract(backbone, sources, options, new ShardIndex(0, 2), busy, null);
        string busyStem = Directory
            .GetFiles(busy, "shard-*-0000-of-0002.bin")
            .Single()[..^4]
            .Replace("0000-of", "0001-of");
        using (new FileStream(busyStem + ".part", FileMode.Create, FileAccess.ReadWrite, FileShare.None))
        {
            var locked = Assert.Throws<IOException>(() =>
                FeatureShards.Extract(backbone, sources, options, new ShardIndex(1, 2), busy, null)
            );
            Assert.Contains("being computed by another process", locked.Message);
        }
    }

    [Theory]
    [InlineData("2/4", null, 2, 4)]
    [InlineData(null, "k8s", 3, 4)]
    [InlineData(null, "slurm", 1, 3)]
    public void TheShardComesFromTheFlagOrTheScheduler(string? flag, string? scheduler, int index, int count)
    {
        var environment = scheduler switch
        {
            "k8s" => new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "3", ["TRANSFERSHARP_SHARDS"] = "4" },
            "slurm" => new Dictionary<string, string>
            {
                ["SLURM_ARRAY_TASK_ID"] = "2",
                ["SLURM_ARRAY_TASK_COUNT"] = "3",
                ["SLURM_ARRAY_TASK_MIN"] = "1",
            },
            _ => new Dictionary<string, string>(),
        };
        ShardIndex shard = flag is not null
            ? ShardIndex.Parse(flag)
            : ShardIndex.FromEnvironment(name => environment.GetValueOrDefault(name))!;
        Assert.Equal(new ShardIndex(index, count), shard);
        Assert.Null(ShardIndex.FromEnvironment(_ => null));
        Assert.Contains("0 <= I < N", Assert.Throws<OptionException>(() => ShardIndex.Parse("4/4")).Message);
        Assert.Contains(
            "TRANSFERSHARP_SHARDS",
            Assert
                .Throws<OptionException>(() =>
                    ShardIndex.FromEnvironment(name => name == "JOB_COMPLETION_INDEX" ? "0" : null)
                )
                .Message
        );
    }

    [Fact]
    public void WorkersOfAJobArrayWriteTheFeaturesFitReads()
    {
        string data = TestImages.WriteFolder(TestPaths.NewTempDir("shards-cli-data"), 2, 7);
        // As a scheduler runs them: concurrent processes, the shard from a Slurm array's or an Indexed Job's variables.
        (string, Dictionary<string, float[]>) Workers(int count, Func<int, Dictionary<string, string>> environment)
        {
            string folder = TestPaths.NewTempDir($"shards-cli-{count}");
            string[] args = { "extract", "--data", data, "--size", "32", "--batch-size", "4", "--out", folder };
            var runs = Enumerable
                .Range(0, count)
                .Select(i => Task.Run(() => CliProcess.RunWith(environment(i), args)))
                .ToArray();
            foreach (var (code, stdout, stderr) in runs.Select(t => t.Result))
                Assert.True(code == 0, stdout + stderr);
            using Backbone backbone = Backbone.Load(Registry.DefaultName, 32);
            return (folder, FeatureShards.Load(folder, backbone.FeatureKey, backbone.FeatureWidth).Features);
        }
        var (folder2, slurm) = Workers(
            2,
            i => new() { ["SLURM_ARRAY_TASK_ID"] = $"{i}", ["SLURM_ARRAY_TASK_COUNT"] = "2" }
        );
        var (_, k8s) = Workers(4, i => new() { ["JOB_COMPLETION_INDEX"] = $"{i}", ["TRANSFERSHARP_SHARDS"] = "4" });
        Assert.Equal(14, slurm.Count);
        AssertSame(slurm, k8s, "2 against 4 workers");

        string run = TestPaths.NewTempDir("shards-cli-run");
        var fit = CliProcess.Run(
            "fit",
            "--data",
            data,
            "--strategy",
            "feature-extraction",
            "--size",
            "32",
            "--head-steps",
            "20",
            "--features-from",
            folder2,
            "--out",
            run
        );
        Assert.True(fit.code == 0, fit.stdout + fit.stderr);
        Assert.Contains($"features from {folder2}: 14 images in 2 shard(s)", fit.stdout + fit.stderr);
        Assert.Contains("\"misses\": 0", File.ReadAllText(Path.Combine(run, "metrics.json")));
        var network = CliProcess.Run(
            "fit",
            "--data",
            data,
            "--strategy",
            "fine-tune",
            "--size",
            "32",
            "--features-from",
            folder2,
            "--out",
            run
        );
        Assert.Equal(2, network.code);
        Assert.Contains("--features-from", network.stderr);
        var missing = CliProcess.Run(
            "fit",
            "--features-from",
            Path.Combine(folder2, "typo"),
            "--out",
            TestPaths.NewTempDir("shards-cli-typo")
        );
        Assert.Equal(2, missing.code);
        Assert.Contains("--features-from", missing.stderr);
        Assert.Contains("folder not found", missing.stderr);
    }
}
