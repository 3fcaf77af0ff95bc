using Google.Protobuf;
using Onnx;

namespace TransferSharp.Tests.Backbones;

/// <summary>Builds small ONNX graphs in code, for testing the importer against ONNX Runtime.</summary>
public sealed class OnnxGraphBuilder
{
    private readonly GraphProto graph = new() { Name = "test_graph" };
    private readonly Random random;
    private int counter;

    public OnnxGraphBuilder(string input, params long[] shape)
        : this(input, shape, 7) { }

    public OnnxGraphBuilder(string input, long[] shape, int seed)
    {
        random = new Random(seed);
        graph.Input.Add(Value(input, shape));
    }

    public static ValueInfoProto Value(string name, long[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (long d in shape)
            tensorShape.Dim.Add(
                d > 0
                    ? new TensorShapeProto.Types.Dimension { DimValue = d }
                    : new TensorShapeProto.Types.Dimension { DimParam = "d" + tensorShape.Dim.Count }
            );
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = (int)TensorProto.Types.DataType.Float,
                    Shape = tensorShape,
                },
            },
        };
    }

    public string Initializer(long[] dims, float scale = 0.3f, float offset = 0f)
    {
        string name = $"init{counter++}";
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.Add(dims);
        long n = dims.Aggregate(1L, (p, d) => p * d);
        for (long i = 0; i < n; i++)
            t.FloatData.Add((float)(random.NextDouble() * 2 - 1) * scale + offset);
        graph.Initializer.Add(t);
        return name;
    }

    public string Int64Initializer(params long[] values)
    {
        string name = $"init{counter++}";
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.Add(values);
        graph.Initializer.Add(t);
        return name;
    }

    /// <summary>A 0-D int64 constant (torch exports Gather indices on shapes as scalars).</summary>
    public string Int64Scalar(long value)
    {
        string name = $"init{counter++}";
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Int64Data.Add(value);
        graph.Initializer.Add(t);
        return name;
    }

    public string Node(string op, string[] inputs, params (string name, object value)[] attributes) =>
        Nodes(op, inputs, 1, attributes)[0];

    /// <summary>A node with <paramref name="outputs"/> outputs (Split).</summary>
    public string[] Nodes(string op, string[] inputs, int outputs, params (string name, object value)[] attributes)
    {
        string[] names = Enumerable.Range(0, outputs).Select(k => $"{op.ToLowerInvariant()}{counter++}").ToArray();
        var node = new NodeProto { OpType = op, Name = $"{op}_{counter}" };
        node.Input.Add(inputs);
        node.Output.Add(names);
        foreach (var (name, value) in attributes)
        {
            var a = new AttributeProto { Name = name };
            switch (value)
            {
                case long[] ints:
                    a.Type = AttributeProto.Types.AttributeType.Ints;
                    a.Ints.Add(ints);
                    break;
                case long i:
                    a.Type = AttributeProto.Types.AttributeType.Int;
                    a.I = i;
                    break;
                case float f:
                    a.Type = AttributeProto.Types.AttributeType.Float;
                    a.F = f;
                    break;
                case string s:
                    a.Type = AttributeProto.Types.AttributeType.String;
                    a.S = ByteString.CopyFromUtf8(s);
                    break;
                default:
                    throw new ArgumentException(name);
            }
            node.Attribute.Add(a);
        }
        graph.Node.Add(node);
        return names;
    }

    public ModelProto Build(string output, long[] outputShape, long opset = 14)
    {
        graph.Output.Clear();
        graph.Output.Add(Value(output, outputShape));
        var model = new ModelProto
        {
            IrVersion = 7,
            ProducerName = "TransferSharp.Tests",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    public static string Save(ModelProto model, string name)
    {
        string path = Path.Combine(TestPaths.NewTempDir("onnx"), name);
        using var stream = File.Create(path);
        model.WriteTo(stream);
        return path;
    }
}
