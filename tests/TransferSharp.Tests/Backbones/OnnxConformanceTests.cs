using System.Text.Json;
using Onnx;
using TransferSharp.Backbones;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Backbones;

/// <summary>
/// ONNX's own backend node tests (Debian's libonnx-testdata, installed by .ci/run): every test whose nodes the
/// importer supports runs through it and is compared with the expected outputs. The importer takes one 4-D image
/// input, so the harness feeds the first float input as [1, 1, 1, n] followed by a Reshape to its shape (4-D inputs go
/// in as they are), turns the other inputs into initializers, and checks each output on its own.
/// </summary>
public class OnnxConformanceTests(ITestOutputHelper output)
{
    public const string NodeTests = "/usr/share/libonnx-testdata/data/node";

    [Fact]
    public void EveryNodeTestOfASupportedOpPassesOrIsRefusedClearly()
    {
        Assert.True(
            Directory.Exists(NodeTests),
            $"{NodeTests} is missing: apt-get install libonnx-testdata (.ci/run installs it)"
        );
        var supported = OnnxImporter.SupportedOps.ToHashSet();
        var results = new List<ConformanceResult>();
        foreach (string dir in Directory.GetDirectories(NodeTests).Order())
        {
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(dir, "model.onnx")));
            if (model.Graph.Node.Any(n => !supported.Contains(n.OpType) || n.Domain is not ("" or "ai.onnx")))
                continue;
            results.AddRange(Run(dir, model));
        }
        var byOp = results
            .GroupBy(r => r.Op)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new
            {
                op = g.Key,
                passed = g.Count(r => r.Outcome == "passed"),
                failed = g.Count(r => r.Outcome == "failed"),
                refused = g.Count(r => r.Outcome == "refused"),
                not_applicable = g.Count(r => r.Outcome == "not-applicable"),
            })
            .ToList();
        string report =
            Environment.GetEnvironmentVariable("CONFORMANCE_REPORT")
            ?? Path.Combine(TestPaths.NewTempDir("conformance"), "onnx_node_tests.json");
        File.WriteAllText(
            report,
            JsonSerializer.Serialize(
                new { by_op = byOp, tests = results },
                new JsonSerializerOptions { WriteIndented = true }
            )
        );
        foreach (var op in byOp)
            output.WriteLine(
                $"{op.op}: {op.passed} passed, {op.failed} failed, {op.refused} refused, "
                    + $"{op.not_applicable} not applicable"
            );
        output.WriteLine(
            $"total: {results.Count(r => r.Outcome == "passed")} passed, "
                + $"{results.Count(r => r.Outcome == "failed")} failed, "
                + $"{results.Count(r => r.Outcome == "refused")} refused, "
                + $"{results.Count(r => r.Outcome == "not-applicable")} not applicable; report {report}"
        );
        foreach (var r in results.Where(r => r.Outcome is "failed" or "refused"))
            output.WriteLine($"{r.Outcome} {r.Test}/{r.Output}: {r.Detail}");
        Assert.True(results.Count(r => r.Outcome == "passed") > 300, "too few node tests ran");
        Assert.Empty(results.Where(r => r.Outcome == "failed").Select(r => $"{r.Test}/{r.Output}: {r.Detail}"));
        // A refusal is the importer's own error, naming the file, the node and the opset.
        Assert.All(results.Where(r => r.Outcome == "refused"), r => Assert.Contains("opset", r.Detail));
    }

    private static IEnumerable<ConformanceResult> Run(string dir, ModelProto model)
    {
        string test = Path.GetFileName(dir);
        string op = model.Graph.Node.Count == 1 ? model.Graph.Node[0].OpType : "(function expansions)";
        string data = Path.Combine(dir, "test_data_set_0");
        var initializerNames = model.Graph.Initializer.Select(i => i.Name).ToHashSet();
        var inputs = model.Graph.Input.Where(i => !initializerNames.Contains(i.Name)).ToList();
        var values = inputs.Select((_, k) => ReadTensor(Path.Combine(data, $"input_{k}.pb"))).ToList();
        int image = values.FindIndex(v => v.DataType == (int)TensorProto.Types.DataType.Float);
        for (int k = 0; k < model.Graph.Output.Count; k++)
        {
            string outputName = model.Graph.Output[k].Name;
            if (image < 0)
            {
                yield return new(test, op, outputName, "not-applicable", "no float32 input to feed as the image");
                continue;
            }
            if (inputs.Any(i => i.Type?.TensorType is null) || values[image].Dims.Any(d => d == 0))
            {
                yield return new(test, op, outputName, "not-applicable", "a sequence or an empty image input");
                continue;
            }
            if (!model.Graph.Node.Any(n => n.Input.Contains(inputs[image].Name)))
            {
                yield return new(test, op, outputName, "not-applicable", "the only float input is not used");
                continue;
            }
            var expected = ReadTensor(Path.Combine(data, $"output_{k}.pb"));
            if (
                expected.DataType
                is not (
                    (int)TensorProto.Types.DataType.Float
                    or (int)TensorProto.Types.DataType.Double
                    or (int)TensorProto.Types.DataType.Int64
                    or (int)TensorProto.Types.DataType.Int32
                    or (int)TensorProto.Types.DataType.Bool
                )
            )
            {
                var type = (TensorProto.Types.DataType)expected.DataType;
                yield return new(test, op, outputName, "not-applicable", $"a {type} output (float16, strings...)");
                continue;
            }
            yield return Check(test, op, model, inputs, values, image, outputName, expected);
        }
    }

    private static ConformanceResult Check(
        string test,
        string op,
        ModelProto original,
        List<ValueInfoProto> inputs,
        List<TensorProto> values,
        int image,
        string outputName,
        TensorProto expected
    )
    {
        var model = original.Clone();
        var graph = model.Graph;
        graph.Input.Clear();
        graph.Output.Clear();
        graph.Output.Add(new ValueInfoProto { Name = outputName });
        for (int k = 0; k < inputs.Count; k++)
            if (k != image)
                graph.Initializer.Add(Named(values[k], inputs[k].Name));
        long[] shape = values[image].Dims.ToArray();
        float[] pixels = OnnxImporter.Values(values[image], values[image].FloatData);
        // The importer treats dimension 0 as the batch: a 4-D input of one image goes in as it is.
        bool direct = shape.Length == 4 && shape[0] == 1;
        long[] fed = direct ? shape : new long[] { 1, 1, 1, pixels.Length };
        string feed = inputs[image].Name;
        if (!direct)
        {
            feed = "conformance_flat_input";
            var target = new TensorProto
            {
                Name = "conformance_shape",
                DataType = (int)TensorProto.Types.DataType.Int64,
            };
            target.Dims.Add(shape.Length);
            target.Int64Data.Add(shape);
            graph.Initializer.Add(target);
            var reshape = new NodeProto { OpType = "Reshape", Name = "conformance_reshape" };
            reshape.Input.Add(new[] { feed, "conformance_shape" });
            reshape.Output.Add(inputs[image].Name);
            graph.Node.Insert(0, reshape);
        }
        graph.Input.Add(OnnxGraphBuilder.Value(feed, fed));
        string source = $"{test}.onnx";
        try
        {
            using var module = OnnxImporter.Import(model, source, new OnnxImportOptions());
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            Tensor actual = module.forward(tensor(pixels, fed));
            return Compare(test, op, outputName, actual, expected);
        }
        catch (OnnxImportException e) when (e.Message.Contains("opset", StringComparison.Ordinal))
        {
            // The importer's own refusal: it names the file, the node, the op and the opset.
            return new(test, op, outputName, "refused", e.Message.Split('\n')[0]);
        }
        catch (Exception e)
        {
            return new(test, op, outputName, "failed", $"{e.GetType().Name}: {e.Message.Split('\n')[0]}");
        }
    }

    private static ConformanceResult Compare(
        string test,
        string op,
        string outputName,
        Tensor actual,
        TensorProto expectedProto
    )
    {
        var context = new OnnxNodeContext(new NodeProto(), outputName, test, new());
        Tensor expected = OnnxImporter.ToTensor(expectedProto, context);
        if (!actual.shape.SequenceEqual(expected.shape))
            return new(
                test,
                op,
                outputName,
                "failed",
                $"shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]"
            );
        if (expected.dtype is ScalarType.Bool or ScalarType.Int64 or ScalarType.Int32)
        {
            bool same = actual.to(expected.dtype).eq(expected).all().item<bool>();
            return new(test, op, outputName, same ? "passed" : "failed", same ? "" : "integer values differ");
        }
        Tensor a = actual.to(ScalarType.Float64);
        Tensor e = expected.to(ScalarType.Float64);
        // ONNX's backend tests compare with rtol 1e-3, atol 1e-7 (onnx/backend/test/runner).
        bool close = allclose(a, e, rtol: 1e-3, atol: 1e-5, equal_nan: true);
        double diff = a.numel() == 0 ? 0 : (a - e).abs().nan_to_num(0).max().item<double>();
        return new(test, op, outputName, close ? "passed" : "failed", close ? "" : $"max abs diff {diff:G3}");
    }

    private static TensorProto ReadTensor(string path) => TensorProto.Parser.ParseFrom(File.ReadAllBytes(path));

    private static TensorProto Named(TensorProto value, string name)
    {
        var copy = value.Clone();
        copy.Name = name;
        return copy;
    }

    private sealed record ConformanceResult(string Test, string Op, string Output, string Outcome, string Detail);
}
