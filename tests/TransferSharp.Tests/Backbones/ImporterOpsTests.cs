using Microsoft.ML.OnnxRuntime;
using TransferSharp.Backbones;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Backbones;

public class ImporterOpsTests
{
    private static float[] Ort(string path, float[] input, long[] shape)
    {
        using var session = new InferenceSession(path);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var outputs = session.Run(
            new RunOptions(),
            new[] { session.InputMetadata.Keys.Single() },
            new[] { value },
            session.OutputNames
        );
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static float[] Torch(
        string path,
        float[] input,
        long[] shape,
        PaddingPolicy policy = PaddingPolicy.SymmetricWhereEquivalent
    )
    {
        using var module = OnnxImporter.Import(path, new OnnxImportOptions { Padding = policy });
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return module.forward(tensor(input, shape)).flatten().data<float>().ToArray();
    }

    private static float[] Input(long[] shape, int seed)
    {
        var random = new Random(seed);
        return Enumerable
            .Range(0, (int)shape.Aggregate(1L, (p, d) => p * d))
            .Select(_ => (float)(random.NextDouble() * 4 - 2))
            .ToArray();
    }

    /// <summary>A graph exercising every supported op at an odd input size, compared with ONNX Runtime.</summary>
    [Fact]
    public void EveryOpMatchesOnnxRuntime()
    {
        var b = new OnnxGraphBuilder("x", 1, 3, 17, 19);
        string c1 = b.Node(
            "Conv",
            new[] { "x", b.Initializer(new long[] { 8, 3, 3, 3 }), b.Initializer(new long[] { 8 }) },
            ("pads", new long[] { 1, 2, 0, 1 }),
            ("strides", new long[] { 2, 1 }),
            ("dilations", new long[] { 1, 2 }),
            ("kernel_shape", new long[] { 3, 3 })
        );
        string a1 = b.Node("LeakyRelu", new[] { c1 }, ("alpha", 0.1f));
        string c2 = b.Node(
            "Conv",
            new[] { a1, b.Initializer(new long[] { 8, 1, 3, 3 }) },
            ("group", 8L),
            ("auto_pad", "SAME_UPPER"),
            ("strides", new long[] { 2, 2 })
        );
        string gate = b.Node("HardSigmoid", new[] { c2 }, ("alpha", 0.25f), ("beta", 0.4f));
        string gated = b.Node("Mul", new[] { c2, gate });
        string clipped = b.Node(
            "Clip",
            new[] { gated, b.Initializer(new long[0], 0, -0.5f), b.Initializer(new long[0], 0, 0.8f) }
        );
        string pooled = b.Node(
            "MaxPool",
            new[] { clipped },
            ("kernel_shape", new long[] { 3, 3 }),
            ("strides", new long[] { 2, 2 }),
            ("pads", new long[] { 0, 0, 1, 1 })
        );
        string avg = b.Node(
            "AveragePool",
            new[] { c2 },
            ("kernel_shape", new long[] { 2, 2 }),
            ("strides", new long[] { 2, 2 }),
            ("pads", new long[] { 1, 0, 0, 0 }),
            ("count_include_pad", 0L)
        );
        string sig = b.Node("Sigmoid", new[] { avg });
        string joined = b.Node("Concat", new[] { pooled, sig }, ("axis", 1L));
        string bn = b.Node(
            "BatchNormalization",
            new[]
            {
                joined,
                b.Initializer(new long[] { 16 }, 0.2f, 1f),
                b.Initializer(new long[] { 16 }),
                b.Initializer(new long[] { 16 }),
                b.Initializer(new long[] { 16 }, 0.2f, 1f),
            },
            ("epsilon", 1e-3f)
        );
        string gap = b.Node("GlobalAveragePool", new[] { bn });
        string flat = b.Node("Flatten", new[] { gap }, ("axis", 1L));
        string gemm = b.Node(
            "Gemm",
            new[] { flat, b.Initializer(new long[] { 12, 16 }), b.Initializer(new long[] { 12 }) },
            ("transB", 1L),
            ("alpha", 0.5f)
        );
        string relu = b.Node("Relu", new[] { gemm });
        string mm = b.Node("MatMul", new[] { relu, b.Initializer(new long[] { 12, 6 }) });
        string added = b.Node("Add", new[] { mm, b.Initializer(new long[] { 6 }) });
        string dropped = b.Node("Dropout", new[] { added });
        string hs = b.Node("HardSwish", new[] { dropped });
        string output = b.Node("Reshape", new[] { hs, b.Int64Initializer(1, -1) });
        string path = OnnxGraphBuilder.Save(b.Build(output, new long[] { 1, 6 }), "every-op.onnx");

        long[] shape = { 1, 3, 17, 19 };
        float[] input = Input(shape, 1);
        float[] expected = Ort(path, input, shape);
        foreach (var policy in new[] { PaddingPolicy.Exact, PaddingPolicy.SymmetricWhereEquivalent })
        {
            float[] actual = Torch(path, input, shape, policy);
            Assert.Equal(expected.Length, actual.Length);
            double diff = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(diff < 1e-5, $"{policy}: max abs diff {diff}");
        }
    }

    [Fact]
    public void UnknownOpNamesTheOpAndTheNode()
    {
        var b = new OnnxGraphBuilder("x", 1, 3, 8, 8);
        string y = b.Node("Relu", new[] { "x" });
        string z = b.Node("Hardmax", new[] { y });
        string path = OnnxGraphBuilder.Save(b.Build(z, new long[] { 1, 3, 8, 8 }), "unknown.onnx");
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(path));
        Assert.Contains("'Hardmax'", error.Message);
        Assert.Contains("Hardmax_", error.Message);
        Assert.Contains("opset 14", error.Message);
        Assert.Contains("unknown.onnx", error.Message);
    }

    [Fact]
    public void FilesThatDoNotParseNameTheFile()
    {
        string dir = TestPaths.NewTempDir("onnx");
        string garbage = Path.Combine(dir, "garbage.onnx");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 100).Select(i => (byte)(i * 37)).ToArray());
        Assert.Contains("garbage.onnx", Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(garbage)).Message);
        string empty = Path.Combine(dir, "empty.onnx");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        Assert.Contains("empty.onnx", Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(empty)).Message);
        Assert.Contains(
            "missing.onnx",
            Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(Path.Combine(dir, "missing.onnx"))).Message
        );
    }

    [Fact]
    public void GroupsOfAnArbitraryCnnFollowItsDownsampling()
    {
        // stride-1 conv, stride-2 conv, stride-2 conv: three levels (2 is the first downsampling: the stem).
        var b = new OnnxGraphBuilder("x", 1, 3, 32, 32);
        string c0 = b.Node(
            "Conv",
            new[] { "x", b.Initializer(new long[] { 4, 3, 3, 3 }) },
            ("pads", new long[] { 1, 1, 1, 1 }),
            ("strides", new long[] { 2, 2 })
        );
        string r0 = b.Node("Relu", new[] { c0 });
        string c1 = b.Node(
            "Conv",
            new[] { r0, b.Initializer(new long[] { 4, 4, 3, 3 }) },
            ("pads", new long[] { 1, 1, 1, 1 })
        );
        string c2 = b.Node(
            "Conv",
            new[] { c1, b.Initializer(new long[] { 8, 4, 3, 3 }) },
            ("pads", new long[] { 1, 1, 1, 1 }),
            ("strides", new long[] { 2, 2 })
        );
        string c3 = b.Node(
            "Conv",
            new[] { c2, b.Initializer(new long[] { 8, 8, 3, 3 }) },
            ("pads", new long[] { 1, 1, 1, 1 }),
            ("strides", new long[] { 2, 2 })
        );
        string gap = b.Node("GlobalAveragePool", new[] { c3 });
        string path = OnnxGraphBuilder.Save(b.Build(gap, new long[] { 1, 8, 1, 1 }), "three-levels.onnx");
        using var module = OnnxImporter.Import(path);
        Assert.Equal(new[] { "stem", "stage1", "stage2" }, module.Groups.Select(g => g.Name));
        Assert.Equal(new long[] { 2, 4, 8 }, module.Groups.Select(g => g.OutputStride));
        Assert.Equal(2, module.Groups[0].NodeNames.Count(n => n.StartsWith("Conv")));
        Assert.Contains(module.Nodes.Single(n => n.Output == gap).Name, module.Groups[2].NodeNames);
        Assert.True(module.CanSplitBefore(1) && module.CanSplitBefore(2));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor x = randn(2, 3, 32, 32);
        Tensor whole = module.forward(x);
        Tensor split = module.ForwardFrom(module.ForwardPrefix(x, 2), 2);
        Assert.True(whole.allclose(split));
    }
}
