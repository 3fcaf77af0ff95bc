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
}
