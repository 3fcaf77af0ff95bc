using TransferSharp.Training;

namespace TransferSharp.Tests.Training;

public class FeatureCacheTests
{
    private static string Filled(string directory)
    {
        var cache = new FeatureCache(directory, "test-key", 4);
        cache.Add(FeatureCache.ContentKey(new byte[] { 1 }), new[] { 1f, 2f, 3f, 4f });
        cache.Add(FeatureCache.ContentKey(new byte[] { 2 }), new[] { 5f, 6f, 7f, 8f });
        cache.Flush();
        return Directory.GetFiles(directory, "features-*.bin").Single();
    }

    [Fact]
    public void ACacheFileReadsBackWhole()
    {
        string directory = TestPaths.NewTempDir("cache-whole");
        Filled(directory);
        var reopened = new FeatureCache(directory, "test-key", 4);
        Assert.Null(reopened.Discarded);
        Assert.Equal(2, reopened.Count);
        Assert.True(reopened.TryGet(FeatureCache.ContentKey(new byte[] { 2 }), out float[] values));
        Assert.Equal(new[] { 5f, 6f, 7f, 8f }, values);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    public void ADamagedCacheFileIsDiscardedNeverTrusted(string damage)
    {
        string directory = TestPaths.NewTempDir("cache-damaged");
        string file = Filled(directory);
        byte[] bytes = File.ReadAllBytes(file);
        if (damage == "flip")
            bytes[40] ^= 0x10; // inside the first vector: same length, so only the checksum can tell
        else
            bytes = bytes[..^7];
        File.WriteAllBytes(file, bytes);

        var reopened = new FeatureCache(directory, "test-key", 4);

        Assert.Equal(0, reopened.Count);
        Assert.Contains(Path.GetFileName(file), reopened.Discarded);
    }

    [Fact]
    public async Task WritersSharingACacheMergeTheirEntries()
    {
        string directory = TestPaths.NewTempDir("cache-shared");
        // Four writers open the cache at once (each sees it empty), add overlapping entries and flush together.
        var caches = Enumerable.Range(0, 4).Select(_ => new FeatureCache(directory, "test-key", 4)).ToList();
        for (int w = 0; w < caches.Count; w++)
        for (int k = 0; k < 50; k++)
        {
            int id = w * 25 + k; // writer w: 25 entries of its own, 25 shared with writer w + 1
            caches[w].Add(FeatureCache.ContentKey(BitConverter.GetBytes(id)), new[] { id, 0f, 1f, 2f });
        }
        await Task.WhenAll(caches.Select(c => Task.Run(c.Flush)));
        Assert.All(caches, c => Assert.True(c.Warning is null, c.Warning));
        var merged = new FeatureCache(directory, "test-key", 4);
        Assert.Null(merged.Discarded);
        Assert.Equal(3 * 25 + 50, merged.Count);
        Assert.True(merged.TryGet(FeatureCache.ContentKey(BitConverter.GetBytes(124)), out float[] last));
        Assert.Equal(124f, last[0]);
        Assert.Empty(Directory.GetFiles(directory, "*.tmp"));
    }

    [Fact]
    public void OrphanTemporaryFilesOfDeadWritersAreRemoved()
    {
        string directory = TestPaths.NewTempDir("cache-orphans");
        string file = Filled(directory);
        string orphan = $"{file}.{int.MaxValue - 1}.{Guid.NewGuid():N}.tmp"; // no process has this id
        string live = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(orphan, new byte[10]);
        File.WriteAllBytes(live, new byte[10]);
        _ = new FeatureCache(directory, "test-key", 4);
        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(live));
    }

    [Fact]
    public void AnUnwritableCacheFolderDegradesToMemoryWithAWarning()
    {
        string blocker = Path.Combine(TestPaths.NewTempDir("cache-blocked"), "a-file");
        File.WriteAllText(blocker, "not a folder");
        var cache = new FeatureCache(Path.Combine(blocker, "cache"), "test-key", 4);
        Assert.Contains("running without it", cache.Warning);
        cache.Add(FeatureCache.ContentKey(new byte[] { 1 }), new[] { 1f, 2f, 3f, 4f });
        cache.Flush();
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void ASizeLimitEvictsTheLeastRecentlyUsedFiles()
    {
        string directory = TestPaths.NewTempDir("cache-limit");
        for (int k = 0; k < 3; k++)
        {
            var cache = new FeatureCache(directory, $"key-{k}", 256);
            for (int i = 0; i < 20; i++)
                cache.Add(FeatureCache.ContentKey(new[] { (byte)i }), new float[256]);
            cache.Flush();
            string file = FeatureCacheFolder.Entries(directory).Single(e => e.Key == $"key-{k}").Path;
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(k - 10)); // key-0 the least recently used
            File.SetLastAccessTimeUtc(file, DateTime.UtcNow.AddHours(k - 10));
        }
        long one = FeatureCacheFolder.Entries(directory)[0].Bytes;
        var newest = new FeatureCache(directory, "key-3", 256, limitBytes: 2 * one);
        newest.Add(FeatureCache.ContentKey(new byte[] { 1 }), new float[256]);
        newest.Flush();
        var left = FeatureCacheFolder.Entries(directory).Select(e => e.Key).Order().ToList();
        Assert.Equal(new[] { "key-2", "key-3" }, left);
        Assert.True(FeatureCacheFolder.Clear(directory) > 0);
        Assert.Empty(FeatureCacheFolder.Entries(directory));
    }
}
