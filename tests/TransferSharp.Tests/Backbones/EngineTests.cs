using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Backbones;

/// <summary>The frozen pass on ONNX Runtime: same numbers as the TorchSharp path, and only while the backbone is the
/// file's.</summary>
public class EngineTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper output;

    public EngineTests(Xunit.Abstractions.ITestOutputHelper output) => this.output = output;

    private static IReadOnlyList<IImageSource> Images(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable
            .Range(0, count)
            .Select(i =>
            {
                var pixels = new byte[20 * 20 * 3];
                random.NextBytes(pixels);
                return (IImageSource)new InMemorySource($"image-{i}", new RawImage(20, 20, 3, pixels));
            })
            .ToList();
    }

    private sealed class InMemorySource(string id, RawImage image) : IImageSource
    {
        public string Id { get; } = id;

        public byte[] ContentBytes() => image.Pixels;

        public RawImage Decode() => image;
    }

    [Fact]
    public void OnnxRuntimePassMatchesTorchSharpFeatures()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, 64);
        var images = Images(5, seed: 1);
        var options = new ExtractionOptions { BatchSize = 4 };
        FeatureSet Extract(ExtractionEngine engine) =>
            FeatureExtractor.Extract(
                backbone,
                images,
                new FeatureCache(null, backbone.FeatureKey, backbone.FeatureWidth),
                options with
                {
                    Engine = engine,
                },
                null,
                engine.ToString()
            );
        FeatureSet onnx = Extract(ExtractionEngine.OnnxRuntime);
        FeatureSet torchSet = Extract(ExtractionEngine.Torch);
        Assert.Equal("onnxruntime", onnx.Engine);
        Assert.Equal("torch", torchSet.Engine);
        double max = 0,
            scale = 0;
        for (int r = 0; r < 5; r++)
        for (int c = 0; c < backbone.FeatureWidth; c++)
        {
            max = Math.Max(max, Math.Abs(onnx.Rows[r][c] - torchSet.Rows[r][c]));
            scale = Math.Max(scale, Math.Abs(torchSet.Rows[r][c]));
        }
        output.WriteLine($"ONNX Runtime vs TorchSharp at 64x64: max abs diff {max:E2}, max |feature| {scale:F2}");
        Assert.True(scale > 0.1, "features should not be all zero");
        Assert.True(max <= 1e-4 * Math.Max(1, scale), $"ONNX Runtime features differ from TorchSharp's by {max:E2}");
    }

    [Fact]
    public void IntermediateLayersOnOnnxRuntimeMatchTorchSharpAtEveryGrid()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, 64);
        backbone.UseFeatureLayers(["stage2", "stage3", "stage4"], grid: 2);
        var images = Images(5, seed: 3);
        (FeatureSet Set, float[][] Companion) Extract(ExtractionEngine engine)
        {
            var companion = new FeatureCache(null, backbone.FeatureKeyAt(1), backbone.FeatureWidthAt(1));
            var options = new ExtractionOptions
            {
                BatchSize = 4,
                Engine = engine,
                Companions = [new GridCompanion(1, companion)],
            };
            var cache = new FeatureCache(null, backbone.FeatureKey, backbone.FeatureWidth);
            FeatureSet set = FeatureExtractor.Extract(backbone, images, cache, options, null, engine.ToString());
            var keys = images.Select(i => FeatureCache.ContentKey(i.ContentBytes()));
            return (set, keys.Select(k => companion.TryGet(k, out float[] row) ? row : []).ToArray());
        }
        var (onnx, onnxGlobal) = Extract(ExtractionEngine.OnnxRuntime);
        var (torchSet, torchGlobal) = Extract(ExtractionEngine.Torch);
        Assert.Equal("onnxruntime", onnx.Engine);
        Assert.Equal("torch", torchSet.Engine);
        void Same(float[][] a, float[][] b, int width, string what)
        {
            double max = 0,
                scale = 0;
            for (int r = 0; r < images.Count; r++)
            {
                Assert.Equal(width, a[r].Length);
                for (int c = 0; c < width; c++)
                {
                    max = Math.Max(max, Math.Abs(a[r][c] - b[r][c]));
                    scale = Math.Max(scale, Math.Abs(b[r][c]));
                }
            }
            output.WriteLine($"{what}: max abs diff {max:E2}, max |feature| {scale:F2}");
            Assert.True(scale > 0.1, $"{what}: features should not be all zero");
            Assert.True(max <= 1e-4 * Math.Max(1, scale), $"{what}: ONNX Runtime differs from TorchSharp by {max:E2}");
        }
        Same(onnx.Rows, torchSet.Rows, backbone.FeatureWidth, "stage2-4, 2x2 grid");
        Same(onnxGlobal, torchGlobal, backbone.FeatureWidthAt(1), "stage2-4, global pooling (companion)");
    }

    [Fact]
    public void OnlyAPristineBackboneRunsOnOnnxRuntime()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, 32);
        Assert.True(backbone.IsPristine);
        var images = Images(2, seed: 2);
        var cache = new FeatureCache(null, backbone.FeatureKey, backbone.FeatureWidth);
        Assert.Equal(
            "onnxruntime",
            FeatureExtractor.Extract(backbone, images, cache, new ExtractionOptions(), null, "x").Engine
        );

        // One BatchNorm statistic moves (as a training step or AdaBN would move it): the file no longer describes the
        // module.
        using (var _ = no_grad())
            backbone.Network.buffers().First().add_(1e-3);
        Assert.False(backbone.IsPristine);
        var fresh = new FeatureCache(null, backbone.FeatureKey, backbone.FeatureWidth);
        Assert.Equal(
            "torch",
            FeatureExtractor.Extract(backbone, images, fresh, new ExtractionOptions(), null, "x").Engine
        );
        var error = Assert.Throws<InvalidOperationException>(() =>
            FeatureExtractor.Extract(
                backbone,
                images,
                new FeatureCache(null, backbone.FeatureKey, backbone.FeatureWidth),
                new ExtractionOptions { Engine = ExtractionEngine.OnnxRuntime },
                null,
                "x"
            )
        );
        Assert.Contains("modified", error.Message);
    }
}
