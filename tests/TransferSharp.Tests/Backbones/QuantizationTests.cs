using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Strategies;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Training;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace TransferSharp.Tests.Backbones;

/// <summary>The int8 frozen pass: BatchNorm folding is exact, the QDQ graph quantises every convolution and drops
/// the ReLUs its zero points replace, its features follow fp32's, and graphs it cannot quantise are refused by
/// name.</summary>
public class QuantizationTests
{
    private const int Size = 64;

    private static List<Tensor> Batches(Backbone backbone, int images, int seed)
    {
        var random = new Random(seed);
        var sources = Enumerable
            .Range(0, images)
            .Select(i =>
            {
                // Smooth random images (a blurred gradient plus noise): closer to photographs than white noise.
                var pixels = new byte[20 * 20 * 3];
                int shift = random.Next(60);
                for (int p = 0; p < pixels.Length; p++)
                    pixels[p] = (byte)Math.Clamp(p / 3 % 20 * 8 + shift + random.Next(40), 0, 255);
                return (IImageSource)new MemorySource($"image-{i}", new RawImage(20, 20, 3, pixels));
            })
            .ToList();
        var batches = new List<Tensor>();
        foreach (
            PixelBatch batch in ImageBatcher.Batches(sources, [.. Enumerable.Range(0, images)], Size, 8, false, [])
        )
        {
            using Tensor pixels = batch.ToTensor();
            batches.Add(backbone.Normalize(pixels, CPU, false).DetachFromDisposeScope());
        }
        return batches;
    }

    private sealed class MemorySource(string id, RawImage image) : IImageSource
    {
        public string Id { get; } = id;

        public byte[] ContentBytes() => image.Pixels;

        public RawImage Decode() => image;
    }

    private static float[] RunOnnx(ModelProto model, Tensor batch)
    {
        using var session = new InferenceSession(model.ToByteArray());
        float[] values = batch.contiguous().data<float>().ToArray();
        var input = new DenseTensor<float>(values, batch.shape.Select(d => (int)d).ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), input)]);
        return results.First().AsTensor<float>().ToArray();
    }

    [Fact]
    public void FoldingBatchNormIntoTheConvolutionsKeepsTheOutputs()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, Size);
        ModelProto rewritten = OnnxSizeAgnostic.Rewrite(OnnxImporter.ReadModel(backbone.WeightsPath), backbone.Network);
        ModelProto folded = OnnxQuantizer.FoldBatchNorms(rewritten);
        Assert.Contains(rewritten.Graph.Node, n => n.OpType == "BatchNormalization");
        Assert.DoesNotContain(folded.Graph.Node, n => n.OpType == "BatchNormalization");
        Tensor batch = Batches(backbone, 4, seed: 1)[0];
        float[] before = RunOnnx(rewritten, batch),
            after = RunOnnx(folded, batch);
        double scale = Math.Max(1, before.Max(Math.Abs));
        double diff = before.Zip(after).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(diff <= 1e-4 * scale, $"folded outputs differ by {diff:G3} (scale {scale:G3})");
    }

    [Fact]
    public void WithoutVnniTheWeightsTakeSevenBitsAndTheRunsKeySaysSo()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, Size);
        var ranges = OnnxRuntimePass.Calibrate(backbone, Batches(backbone, 8, seed: 3).Take(1));
        sbyte[] Weights(int levels) =>
            OnnxRuntimePass
                .QuantizedModel(backbone, ranges, levels)
                .Graph.Initializer.Where(t => t.Name.EndsWith("weight_quantized", StringComparison.Ordinal))
                .SelectMany(t => t.RawData.ToByteArray().Select(b => unchecked((sbyte)b)))
                .ToArray();
        sbyte[] full = Weights(127),
            reduced = Weights(63);
        Assert.Equal(127, full.Max(w => Math.Abs((int)w))); // each channel's largest weight takes the top level
        Assert.Equal(63, reduced.Max(w => Math.Abs((int)w)));
        Assert.Contains(OnnxQuantizer.MachineWeightLevels, new[] { 63, 127 });
        // 127 keeps the keys of runs and caches made before the levels were recorded; 63 is other features.
        var recorded = new FrozenQuantization { Ranges = ranges, CalibrationImages = 8 };
        Assert.Equal(127, recorded.WeightLevels);
        Assert.Equal(recorded.Key(), (recorded with { WeightLevels = 127 }).Key());
        Assert.NotEqual(recorded.Key(), (recorded with { WeightLevels = 63 }).Key());
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxRuntimePass.QuantizedModel(backbone, ranges, 128));
        // A run calibrated on a VNNI CPU, used on one without: its weights drop to 63 levels (same ranges, own key);
        // a 63-level run stays as it is on either CPU.
        FrozenQuantization moved = recorded.ForMachine(63);
        Assert.Equal(63, moved.WeightLevels);
        Assert.Same(recorded.Ranges, moved.Ranges);
        Assert.Equal((recorded with { WeightLevels = 63 }).Key(), moved.Key());
        Assert.Same(recorded, recorded.ForMachine(127));
        var seven = recorded with { WeightLevels = 63 };
        Assert.Same(seven, seven.ForMachine(127));
    }

    [Fact]
    public void TheInt8PassQuantisesEveryConvolutionAndFollowsFp32Features()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, Size);
        List<Tensor> batches = Batches(backbone, 32, seed: 2);
        var fp32 = new List<float[]>();
        Dictionary<string, ActivationRange> ranges = OnnxRuntimePass.Calibrate(backbone, batches.Take(2), fp32);
        Assert.Equal(16, fp32.Count); // one row per calibration image
        Assert.All(ranges.Values, r => Assert.True(r.Min <= r.Max));

        ModelProto quantized = OnnxRuntimePass.QuantizedModel(backbone, ranges);
        var nodes = quantized.Graph.Node;
        var convolutions = nodes.Where(n => n.OpType == "Conv").ToList();
        Assert.NotEmpty(convolutions);
        var dequantized = nodes.Where(n => n.OpType == "DequantizeLinear").Select(n => n.Output[0]).ToHashSet();
        // Every convolution reads dequantised int8 weights and a dequantised input.
        Assert.All(
            convolutions,
            c => Assert.True(dequantized.Contains(c.Input[0]) && dequantized.Contains(c.Input[1]))
        );
        // ResNet18's ReLUs all follow a quantised convolution or Add but the last, before the global pooling.
        Assert.Single(nodes, n => n.OpType == "Relu");
        // The file is opset 8: Q/DQ come from ONNX Runtime's domain, and the opset is raised to 10 for the fusion.
        Assert.Contains(quantized.OpsetImport, o => o.Domain == "com.microsoft");
        Assert.Equal(10, quantized.OpsetImport.First(o => o.Domain is "" or "ai.onnx").Version);

        using OnnxRuntimePass reference = OnnxRuntimePass.Create(backbone);
        using OnnxRuntimePass int8 = OnnxRuntimePass.CreateQuantized(backbone, ranges);
        double error = 0,
            norm = 0,
            cosineMin = 1;
        int width = backbone.FeatureWidth;
        foreach (Tensor batch in batches.Skip(2))
        {
            float[] a = reference.Features(batch),
                q = int8.Features(batch);
            for (int image = 0; image < a.Length / width; image++)
            {
                double dot = 0,
                    na = 0,
                    nq = 0;
                for (int j = image * width; j < (image + 1) * width; j++)
                {
                    dot += a[j] * q[j];
                    na += a[j] * a[j];
                    nq += q[j] * q[j];
                    error += (a[j] - q[j]) * (a[j] - q[j]);
                }
                norm += na;
                cosineMin = Math.Min(cosineMin, dot / Math.Sqrt(na * nq));
            }
            Assert.False(a.SequenceEqual(q)); // it did run another graph
        }
        double relative = Math.Sqrt(error / norm);
        Assert.True(relative < 0.2, $"int8 features' relative error {relative:F3}");
        Assert.True(cosineMin > 0.95, $"lowest cosine similarity {cosineMin:F3}");
    }

    [Fact]
    public void IntermediateLayersRunInt8ToTheirMapsAndFollowFp32()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, Size);
        backbone.UseFeatureLayers(["stage2", "stage3"], grid: 2);
        List<Tensor> batches = Batches(backbone, 24, seed: 4);
        var fp32Calibration = new List<float[]>();
        var ranges = OnnxRuntimePass.Calibrate(backbone, batches.Take(2), fp32Calibration);
        // Calibration's fp32 features are the pass's, pooled on the same grid (BatchNorm folded: to float rounding).
        using OnnxRuntimePass reference = OnnxRuntimePass.Create(backbone);
        float[] first = reference.Features(batches[0], backbone.FeatureGrid);
        Assert.Equal(backbone.FeatureWidth, fp32Calibration[0].Length);
        for (int j = 0; j < backbone.FeatureWidth; j++)
            Assert.Equal(first[j], fp32Calibration[0][j], 1e-4 * Math.Max(1, Math.Abs(first[j])));
        // The graph ends at stage3: stage4's convolutions are not in it.
        ModelProto quantized = OnnxRuntimePass.QuantizedModel(backbone, ranges);
        ModelProto whole = OnnxSizeAgnostic.Rewrite(OnnxImporter.ReadModel(backbone.WeightsPath), backbone.Network);
        int all = whole.Graph.Node.Count(n => n.OpType == "Conv");
        Assert.InRange(quantized.Graph.Node.Count(n => n.OpType == "Conv"), 1, all - 1);
        using OnnxRuntimePass int8 = OnnxRuntimePass.CreateQuantized(backbone, ranges);
        float[] a = reference.Features(batches[2], backbone.FeatureGrid),
            q = int8.Features(batches[2], backbone.FeatureGrid);
        Assert.Equal(a.Length, q.Length);
        Assert.False(a.SequenceEqual(q));
        double error = a.Zip(q).Sum(p => (p.First - p.Second) * (p.First - p.Second));
        double relative = Math.Sqrt(error / a.Sum(v => v * (double)v));
        Assert.True(relative < 0.2, $"int8 features' relative error {relative:F3}");
    }

    [Fact]
    public void AnOldGraphWithAnOpWhoseMeaningChangesAtOpset10IsRefusedByName()
    {
        var model = new ModelProto
        {
            IrVersion = 4,
            OpsetImport =
            {
                new OperatorSetIdProto { Domain = "", Version = 8 },
            },
            Graph = new GraphProto { Name = "g" },
        };
        var weight = new TensorProto
        {
            Name = "w",
            DataType = (int)TensorProto.Types.DataType.Float,
            Dims = { 2, 1, 1, 1 },
            FloatData = { 1f, -1f },
        };
        model.Graph.Initializer.Add(weight);
        model.Graph.Node.Add(
            new NodeProto
            {
                Name = "conv",
                OpType = "Conv",
                Input = { "x", "w" },
                Output = { "c" },
            }
        );
        model.Graph.Node.Add(
            new NodeProto
            {
                Name = "upsample",
                OpType = "Upsample",
                Input = { "c" },
                Output = { "y" },
            }
        );
        model.Graph.Input.Add(new ValueInfoProto { Name = "x" });
        model.Graph.Output.Add(new ValueInfoProto { Name = "y" });
        IReadOnlyList<string> tensors = OnnxQuantizer.CalibrationTensors(model);
        Assert.Equal(new[] { "c", "x" }, tensors.Order());
        var ranges = tensors.ToDictionary(t => t, _ => new ActivationRange(-1, 1));
        var error = Assert.Throws<NotSupportedException>(() => OnnxQuantizer.Quantize(model, ranges, 127));
        Assert.Contains("'upsample' (Upsample)", error.Message);
    }

    private static FrozenPrecisionReport FitInt8(string backbone)
    {
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("int8-train"), 3, 8, 32, true);
        var options = TestRuns.Options(
            train,
            new FeatureExtractionOptions { HeadSteps = 30, Precision = FrozenPrecision.Int8 }
        );
        using FitResult fitted = new TransferLearner(
            options with
            {
                Model = options.Model with { Backbone = backbone },
            }
        ).Fit();
        Assert.NotNull(fitted.Report.ValAccuracy);
        return fitted.Report.FrozenPrecision!;
    }

    [Fact]
    public void AnImportedOpset14BackboneRunsInt8WithOnnxQdq()
    {
        string network = TinyCnn.Write(Path.Combine(TestPaths.NewTempDir("int8-byob"), "tiny.onnx"));
        FrozenPrecisionReport precision = FitInt8(network);
        Assert.True(precision.Used == "int8", precision.Reason);
        using Backbone backbone = Backbone.Load(network, 32);
        var ranges = OnnxQuantizer
            .CalibrationTensors(
                OnnxQuantizer.FoldBatchNorms(
                    OnnxSizeAgnostic.Rewrite(OnnxImporter.ReadModel(network), backbone.Network)
                )
            )
            .ToDictionary(t => t, _ => new ActivationRange(-1, 1));
        ModelProto quantized = OnnxRuntimePass.QuantizedModel(backbone, ranges);
        // Opset 14: ONNX's own Q/DQ (per-channel since 13), no opset change.
        Assert.DoesNotContain(quantized.OpsetImport, o => o.Domain == "com.microsoft");
        Assert.Contains(quantized.Graph.Node, n => n.OpType == "QuantizeLinear" && n.Domain == "");
    }

    [Fact]
    public void AGraphThatCannotBeQuantisedFallsBackToFp32WithTheReason()
    {
        // Opset 9 with a Dropout: ONNX Runtime runs it in fp32, but Dropout changed at opset 10 (the fused integer
        // convolution's), so the quantiser refuses it and the fit goes on in fp32.
        var b = new OnnxGraphBuilder("input", new long[] { -1, 3, 32, 32 }, 3);
        string conv = b.Node(
            "Conv",
            new[] { "input", b.Initializer(new long[] { 8, 3, 3, 3 }), b.Initializer(new long[] { 8 }) },
            ("pads", new long[] { 1, 1, 1, 1 }),
            ("strides", new long[] { 2, 2 }),
            ("kernel_shape", new long[] { 3, 3 })
        );
        string dropped = b.Node("Dropout", new[] { b.Node("Relu", new[] { conv }) });
        string conv2 = b.Node(
            "Conv",
            new[] { dropped, b.Initializer(new long[] { 16, 8, 3, 3 }) },
            ("pads", new long[] { 1, 1, 1, 1 }),
            ("strides", new long[] { 2, 2 }),
            ("kernel_shape", new long[] { 3, 3 })
        );
        string pooled = b.Node("GlobalAveragePool", new[] { b.Node("Relu", new[] { conv2 }) });
        string network = OnnxGraphBuilder.Save(b.Build(pooled, new long[] { -1, 16, 1, 1 }, opset: 9), "old.onnx");
        FrozenPrecisionReport precision = FitInt8(network);
        Assert.Equal("fp32", precision.Used);
        Assert.Contains("(Dropout)", precision.Reason);
    }
}
