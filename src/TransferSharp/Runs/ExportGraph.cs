using Onnx;
using TransferSharp.Backbones;
using static TorchSharp.torch;

namespace TransferSharp.Runs;

/// <summary>Appends nodes and constants to an ONNX graph under unique names.</summary>
internal sealed class ExportGraph
{
    private readonly GraphProto graph;
    private int prefixEnd = -1;

    public ExportGraph(GraphProto graph) => this.graph = graph;

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
        var proto = new TensorProto { Name = output + "_indices", DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(indices.Length);
        proto.Int64Data.Add(indices);
        graph.Initializer.Add(proto);
        return Node("Gather", new[] { x, proto.Name }, output, ("axis", axis));
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
