using Onnx;
using TransferSharp.Backbones;
using static TorchSharp.torch;

namespace TransferSharp.Runs;

/// <summary>Appends nodes and constants to an ONNX graph under unique names.</summary>
internal sealed class ExportGraph
{
    private readonly GraphProto graph;
    private int prefixEnd = -1;

    /// <summary>Appends to <paramref name="model"/>'s graph, in the forms of its default-domain opset or of <paramref
    /// name="atLeast"/> when higher (an ensemble's members end in one graph of their highest opset).</summary>
    public ExportGraph(ModelProto model, long atLeast = 0)
        : this(model.Graph) => Opset = Math.Max(DefaultOpset(model), atLeast);

    /// <summary>The default domain's opset of <paramref name="model"/> (8 when it names none).</summary>
    public static long DefaultOpset(ModelProto model) => OnnxImporter.DefaultOpset(model, 8);

    public ExportGraph(GraphProto graph) => this.graph = graph;

    /// <summary>The default domain's opset the nodes are written for (8: the ML.NET ResNet18's).</summary>
    public long Opset { get; } = 8;

    /// <summary>Nodes added from now until <see cref="EndPrefix"/> go in front of the existing ones, in order (the
    /// graph stays topologically sorted).</summary>
    public void BeginPrefix() => prefixEnd = 0;

    /// <summary>Nodes added from now on go at the end.</summary>
    public void EndPrefix() => prefixEnd = -1;

    /// <summary>Adds a node reading <paramref name="inputs"/>; returns its output's name.</summary>
    public string Node(string op, string[] inputs, string output, params (string name, object value)[] attributes)
    {
        var node = new NodeProto { Name = output, OpType = op };
        node.Input.Add(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes)
            node.Attribute.Add(Attribute(name, value));
        Add(node);
        return output;
    }

    /// <summary>Adds a node as it is.</summary>
    public void Add(NodeProto node)
    {
        if (prefixEnd < 0)
            graph.Node.Add(node);
        else
            graph.Node.Insert(prefixEnd++, node);
    }

    /// <summary>Makes <paramref name="target"/> (a name later nodes read) an alias of <paramref
    /// name="source"/>.</summary>
    public void Alias(string source, string target) => Node("Identity", new[] { source }, target);

    /// <summary>A constant (an initializer) holding <paramref name="value"/>; returns its name.</summary>
    public string Constant(string name, Tensor value)
    {
        graph.Initializer.Add(OnnxWeights.Initializer(name, value));
        return name;
    }

    /// <summary>Picks <paramref name="indices"/> along <paramref name="axis"/> (channels by default).</summary>
    public string Gather(string x, long[] indices, string output, long axis = 1)
    {
        return Node("Gather", new[] { x, Int64s(output + "_indices", indices) }, output, ("axis", axis));
    }

    /// <summary>The slice [starts, ends) of <paramref name="x"/> along <paramref name="axes"/>: attributes before
    /// opset 10, inputs from it.</summary>
    public string Slice(string x, long[] starts, long[] ends, long[] axes, string output)
    {
        if (Opset < 10)
            return Node("Slice", new[] { x }, output, ("starts", starts), ("ends", ends), ("axes", axes));
        string[] inputs =
        [
            x,
            Int64s(output + "_starts", starts),
            Int64s(output + "_ends", ends),
            Int64s(output + "_axes", axes),
        ];
        return Node("Slice", inputs, output);
    }

    /// <summary>The mean over <paramref name="axes"/>, dimensions kept: axes an attribute before opset 18, an input
    /// from it.</summary>
    public string ReduceMean(string x, long[] axes, string output)
    {
        if (Opset < 18)
            return Node("ReduceMean", new[] { x }, output, ("axes", axes), ("keepdims", 1L));
        return Node("ReduceMean", new[] { x, Int64s(output + "_axes", axes) }, output, ("keepdims", 1L));
    }

    // An int64 vector initializer; returns its name.
    private string Int64s(string name, long[] values)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.Int64Data.Add(values);
        graph.Initializer.Add(proto);
        return name;
    }

    private static AttributeProto Attribute(string name, object value) =>
        value switch
        {
            long i => new AttributeProto
            {
                Name = name,
                Type = AttributeProto.Types.AttributeType.Int,
                I = i,
            },
            long[] ints => new AttributeProto
            {
                Name = name,
                Type = AttributeProto.Types.AttributeType.Ints,
                Ints = { ints },
            },
            float f => new AttributeProto
            {
                Name = name,
                Type = AttributeProto.Types.AttributeType.Float,
                F = f,
            },
            _ => throw new ArgumentException($"attribute {name}: unsupported value {value}"),
        };
}
