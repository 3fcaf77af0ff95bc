using Microsoft.ML.OnnxRuntime;
using TransferSharp.Backbones;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Backbones;

/// <summary>
/// The blocks of the families issue 20 names, built as their exporters write them, imported and compared with ONNX
/// Runtime at the declared size and at another (the input's height and width are symbolic in these graphs).
/// </summary>
public class ArchitectureBlockTests
{
    private const int Channels = 8;

    private static void AssertMatchesOnnxRuntime(OnnxGraphBuilder b, string output, long opset, string name)
    {
        string path = OnnxGraphBuilder.Save(b.Build(output, new long[] { -1, -1, -1, -1 }, opset), name);
        using var module = OnnxImporter.Import(path);
        using var session = new InferenceSession(path);
        foreach (long size in new long[] { 16, 23 })
        {
            long[] shape = { 2, Channels, size, size };
            var random = new Random((int)size);
            float[] input = Enumerable
                .Range(0, (int)shape.Aggregate(1L, (p, d) => p * d))
                .Select(_ => (float)(random.NextDouble() * 4 - 2))
                .ToArray();
            using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
            using var outputs = session.Run(new RunOptions(), new[] { "x" }, new[] { value }, session.OutputNames);
            float[] expected = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            float[] actual = module.forward(tensor(input, shape)).flatten().data<float>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            double diff = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(diff < 1e-4, $"{name} at {size}: max abs diff {diff}");
        }
    }

    [Theory]
    [InlineData(17)]
    [InlineData(13)]
    public void ConvNeXtBlockWithLayerNormAsOneOpAndDecomposed(long opset)
    {
        var b = new OnnxGraphBuilder("x", -1, Channels, -1, -1);
        string dw = b.Node(
            "Conv",
            new[] { "x", b.Initializer(new long[] { Channels, 1, 7, 7 }), b.Initializer(new long[] { Channels }) },
            ("group", (long)Channels),
            ("pads", new long[] { 3, 3, 3, 3 }),
            ("kernel_shape", new long[] { 7, 7 })
        );
        string last = b.Node("Transpose", new[] { dw }, ("perm", new long[] { 0, 2, 3, 1 }));
        string normed;
        if (opset >= 17)
            normed = b.Node(
                "LayerNormalization",
                new[]
                {
                    last,
                    b.Initializer(new long[] { Channels }, 0.1f, 1f),
                    b.Initializer(new long[] { Channels }),
                },
                ("axis", -1L),
                ("epsilon", 1e-6f)
            );
        else
        {
            // torch.onnx's decomposition before opset 17.
            string mean = b.Node("ReduceMean", new[] { last }, ("axes", new long[] { -1 }));
            string centred = b.Node("Sub", new[] { last, mean });
            string squared = b.Node("Pow", new[] { centred, b.Initializer(new long[0], 0, 2f) });
            string variance = b.Node("ReduceMean", new[] { squared }, ("axes", new long[] { -1 }));
            string shifted = b.Node("Add", new[] { variance, b.Initializer(new long[0], 0, 1e-6f) });
            string scaled = b.Node("Div", new[] { centred, b.Node("Sqrt", new[] { shifted }) });
            normed = b.Node(
                "Add",
                new[]
                {
                    b.Node("Mul", new[] { scaled, b.Initializer(new long[] { Channels }, 0.1f, 1f) }),
                    b.Initializer(new long[] { Channels }),
                }
            );
        }
        string up = b.Node(
            "Add",
            new[]
            {
                b.Node("MatMul", new[] { normed, b.Initializer(new long[] { Channels, 4 * Channels }) }),
                b.Initializer(new long[] { 4 * Channels }),
            }
        );
        // Exact GELU as torch exports it: x * 0.5 * (1 + erf(x / sqrt 2)).
        string erf = b.Node("Erf", new[] { b.Node("Div", new[] { up, b.Initializer(new long[0], 0, 1.4142135f) }) });
        string gelu = b.Node(
            "Mul",
            new[]
            {
                b.Node("Mul", new[] { up, b.Node("Add", new[] { erf, b.Initializer(new long[0], 0, 1f) }) }),
                b.Initializer(new long[0], 0, 0.5f),
            }
        );
        string down = b.Node("MatMul", new[] { gelu, b.Initializer(new long[] { 4 * Channels, Channels }) });
        string gamma = b.Node("Mul", new[] { down, b.Initializer(new long[] { Channels }, 0.1f, 0.5f) });
        string back = b.Node("Transpose", new[] { gamma }, ("perm", new long[] { 0, 3, 1, 2 }));
        string output = b.Node("Add", new[] { "x", back });
        AssertMatchesOnnxRuntime(b, output, opset, $"convnext-op{opset}.onnx");
    }

    [Fact]
    public void ShuffleNetChannelShuffleWithShapesComputedInTheGraph()
    {
        var b = new OnnxGraphBuilder("x", -1, Channels, -1, -1);
        string shape = b.Node("Shape", new[] { "x" });
        string Dim(long i) =>
            b.Node("Unsqueeze", new[] { b.Node("Gather", new[] { shape, b.Int64Scalar(i) }), b.Int64Initializer(0) });
        string batch = Dim(0),
            height = Dim(2),
            width = Dim(3);
        // Split in two halves, shuffle the channels of one (view as [N, 2, C/4, H, W], transpose, view back), join.
        var halves = b.Nodes("Split", new[] { "x" }, 2, ("axis", 1L));
        string grouped = b.Node(
            "Reshape",
            new[]
            {
                halves[1],
                b.Node(
                    "Concat",
                    new[] { b.Int64Initializer(-1), b.Int64Initializer(2, Channels / 4), height, width },
                    ("axis", 0L)
                ),
            }
        );
        string swapped = b.Node("Transpose", new[] { grouped }, ("perm", new long[] { 0, 2, 1, 3, 4 }));
        string flat = b.Node(
            "Reshape",
            new[]
            {
                swapped,
                b.Node("Concat", new[] { batch, b.Int64Initializer(Channels / 2), height, width }, ("axis", 0L)),
            }
        );
        string joined = b.Node("Concat", new[] { halves[0], flat }, ("axis", 1L));
        string sliced = b.Node(
            "Slice",
            new[] { joined, b.Int64Initializer(1), b.Int64Initializer(-1), b.Int64Initializer(3) }
        );
        AssertMatchesOnnxRuntime(b, sliced, 13, "shufflenet.onnx");
    }

    [Fact]
    public void MobileNetAndEfficientNetSqueezeExciteWithHardSwishAndSilu()
    {
        var b = new OnnxGraphBuilder("x", -1, Channels, -1, -1);
        string expanded = b.Node(
            "Conv",
            new[] { "x", b.Initializer(new long[] { Channels, 1, 3, 3 }) },
            ("group", (long)Channels),
            ("pads", new long[] { 1, 1, 1, 1 }),
            ("strides", new long[] { 2, 2 }),
            ("kernel_shape", new long[] { 3, 3 })
        );
        string silu = b.Node("Mul", new[] { expanded, b.Node("Sigmoid", new[] { expanded }) });
        string squeezed = b.Node("GlobalAveragePool", new[] { silu });
        string reduced = b.Node(
            "Relu",
            new[] { b.Node("Conv", new[] { squeezed, b.Initializer(new long[] { 2, Channels, 1, 1 }) }) }
        );
        string gate = b.Node(
            "HardSigmoid",
            new[] { b.Node("Conv", new[] { reduced, b.Initializer(new long[] { Channels, 2, 1, 1 }) }) },
            ("alpha", 1f / 6),
            ("beta", 0.5f)
        );
        string excited = b.Node("Mul", new[] { silu, gate });
        string relu6 = b.Node(
            "Clip",
            new[] { excited, b.Initializer(new long[0], 0, 0f), b.Initializer(new long[0], 0, 6f) }
        );
        string output = b.Node("HardSwish", new[] { relu6 });
        AssertMatchesOnnxRuntime(b, output, 14, "mobilenet.onnx");
    }

    [Fact]
    public void DenseNetConcatenationAndCeilModePooling()
    {
        var b = new OnnxGraphBuilder("x", -1, Channels, -1, -1);
        string grown = b.Node(
            "Conv",
            new[] { b.Node("Relu", new[] { "x" }), b.Initializer(new long[] { 4, Channels, 3, 3 }) },
            ("pads", new long[] { 1, 1, 1, 1 }),
            ("kernel_shape", new long[] { 3, 3 })
        );
        string dense = b.Node("Concat", new[] { "x", grown }, ("axis", 1L));
        string pooled = b.Node(
            "MaxPool",
            new[] { dense },
            ("kernel_shape", new long[] { 3, 3 }),
            ("strides", new long[] { 2, 2 }),
            ("ceil_mode", 1L)
        );
        string transition = b.Node(
            "AveragePool",
            new[] { pooled },
            ("kernel_shape", new long[] { 2, 2 }),
            ("strides", new long[] { 2, 2 }),
            ("ceil_mode", 1L)
        );
        AssertMatchesOnnxRuntime(b, transition, 13, "densenet.onnx");
    }
}
