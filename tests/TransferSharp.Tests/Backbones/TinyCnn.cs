using Onnx;

namespace TransferSharp.Tests.Backbones;

/// <summary>A small classifier CNN as an exporter writes one (stem, two downsampling stages, global pooling and a
/// linear classifier), saved as an ONNX file for the bring-your-own-backbone tests.</summary>
public static class TinyCnn
{
    /// <summary>Writes the network (dynamic batch, 32x32 input, 5 classes) to <paramref name="path"/>; different
    /// <paramref name="seed"/>s give different weights.</summary>
    public static string Write(string path, bool batchNorm = true, int seed = 7, string classifier = "gemm")
    {
        var b = new OnnxGraphBuilder("input", new long[] { -1, 3, 32, 32 }, seed);
        string stem = b.Node(
            "Conv",
            new[] { "input", b.Initializer(new long[] { 8, 3, 3, 3 }), b.Initializer(new long[] { 8 }) },
            ("pads", new long[] { 1, 1, 1, 1 }),
            ("strides", new long[] { 2, 2 }),
            ("kernel_shape", new long[] { 3, 3 })
        );
        if (batchNorm)
            stem = b.Node(
                "BatchNormalization",
                new[]
                {
                    stem,
                    b.Initializer(new long[] { 8 }, 0.1f, 1f),
                    b.Initializer(new long[] { 8 }),
                    b.Initializer(new long[] { 8 }),
                    b.Initializer(new long[] { 8 }, 0.1f, 1f),
                }
            );
        string act = b.Node("Relu", new[] { stem });
        string stage = b.Node(
            "Conv",
            new[] { act, b.Initializer(new long[] { 16, 8, 3, 3 }) },
            ("pads", new long[] { 1, 1, 1, 1 }),
            ("strides", new long[] { 2, 2 }),
            ("kernel_shape", new long[] { 3, 3 })
        );
        // A layer scale (ConvNeXt's gamma): a learned constant that trains with its stage.
        string scaled = b.Node("Mul", new[] { stage, b.Initializer(new long[] { 16, 1, 1 }, 0.2f, 1f) });
        string act2 = b.Node("HardSwish", new[] { scaled });
        string gap = b.Node("GlobalAveragePool", new[] { act2 });
        string logits = classifier switch
        {
            "gemm" => b.Node(
                "Gemm",
                new[]
                {
                    b.Node("Flatten", new[] { gap }, ("axis", 1L)),
                    b.Initializer(new long[] { 5, 16 }),
                    b.Initializer(new long[] { 5 }),
                },
                ("transB", 1L)
            ),
            // SqueezeNet: a 1x1 convolution to the classes, ReLU, global pooling.
            "conv1x1" => b.Node(
                "Flatten",
                new[]
                {
                    b.Node(
                        "GlobalAveragePool",
                        new[]
                        {
                            b.Node(
                                "Relu",
                                new[]
                                {
                                    b.Node(
                                        "Conv",
                                        new[] { act2, b.Initializer(new long[] { 5, 16, 1, 1 }) },
                                        ("kernel_shape", new long[] { 1, 1 })
                                    ),
                                }
                            ),
                        }
                    ),
                },
                ("axis", 1L)
            ),
            // torch's x.view(x.size(0), -1) then MatMul + Add: the shape comes from Shape/Gather/Concat.
            _ => b.Node(
                "Add",
                new[]
                {
                    b.Node(
                        "MatMul",
                        new[]
                        {
                            b.Node("Reshape", new[] { gap, DynamicFlatShape(b, gap) }),
                            b.Initializer(new long[] { 16, 5 }),
                        }
                    ),
                    b.Initializer(new long[] { 5 }),
                }
            ),
        };
        string dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        using var stream = File.Create(path);
        Google.Protobuf.MessageExtensions.WriteTo(b.Build(logits, new long[] { -1, 5 }, opset: 14), stream);
        return path;
    }

    /// <summary>Writes a timm pretrained_cfg sidecar (PATH.json) beside the network.</summary>
    public static string WriteSidecar(string onnxPath, string pretrainedCfg)
    {
        string path = Path.ChangeExtension(onnxPath, ".json");
        File.WriteAllText(path, $"{{\"pretrained_cfg\": {pretrainedCfg}}}");
        return path;
    }

    private static string DynamicFlatShape(OnnxGraphBuilder b, string tensor)
    {
        string shape = b.Node("Shape", new[] { tensor });
        string batch = b.Node("Gather", new[] { shape, b.Int64Initializer(0) }, ("axis", 0L));
        return b.Node("Concat", new[] { batch, b.Int64Initializer(-1) }, ("axis", 0L));
    }
}
