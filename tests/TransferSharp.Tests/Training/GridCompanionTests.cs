using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Training;

namespace TransferSharp.Tests.Training;

public class GridCompanionTests
{
    [Fact]
    public void OnePassCachesAnotherGridsFeaturesExactlyAsTheirOwnPassComputesThem()
    {
        string folder = TestImages.WriteFolder(TestPaths.NewTempDir("companion-images"), 2, 5, 32, color: true);
        var sources = DatasetLoader.Load(folder).Items.Select(i => i.Source).ToList();
        string shared = TestPaths.NewTempDir("companion-cache");
        var options = new ExtractionOptions { BatchSize = 4 };

        using Backbone global = Backbone.Load(Registry.DefaultName, 32);
        global.UseFeatureLayers(new[] { "stage2", "stage3" });
        var gridCache = new FeatureCache(shared, global.FeatureKeyAt(2), global.FeatureWidthAt(2));
        var withCompanion = options with { Companions = [new GridCompanion(2, gridCache)] };
        var cache = new FeatureCache(shared, global.FeatureKey, global.FeatureWidth);
        FeatureSet first = FeatureExtractor.Extract(global, sources, cache, withCompanion, null, "global");
        Assert.Equal(sources.Count, first.Computed);

        // The grid's own fit finds every image in the cache, and its own pass computes the same values.
        using Backbone grid = Backbone.Load(Registry.DefaultName, 32);
        grid.UseFeatureLayers(new[] { "stage2", "stage3" }, grid: 2);
        Assert.Equal(grid.FeatureKey, global.FeatureKeyAt(2));
        Assert.Equal(grid.FeatureWidth, global.FeatureWidthAt(2));
        var reopened = new FeatureCache(shared, grid.FeatureKey, grid.FeatureWidth);
        FeatureSet cached = FeatureExtractor.Extract(grid, sources, reopened, options, null, "grid");
        Assert.Equal(sources.Count, cached.CacheHits);
        var own = new FeatureCache(null, grid.FeatureKey, grid.FeatureWidth);
        FeatureSet computed = FeatureExtractor.Extract(grid, sources, own, options, null, "grid again");
        for (int i = 0; i < sources.Count; i++)
            Assert.Equal(computed.Rows[i], cached.Rows[i]);
        // And the global features are what a pass without a companion computes.
        var plain = new FeatureCache(null, global.FeatureKey, global.FeatureWidth);
        FeatureSet alone = FeatureExtractor.Extract(global, sources, plain, options, null, "global again");
        for (int i = 0; i < sources.Count; i++)
            Assert.Equal(alone.Rows[i], first.Rows[i]);
    }
}
