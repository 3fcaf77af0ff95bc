using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace TransferSharp.Backbones;

/// <summary>
/// Writes an imported network back to ONNX as it is now: the file's graph (rewritten the way the importer adapted it)
/// with every weight, bias, BatchNorm statistic and learned Add/Mul constant replaced by the module's current values
/// (other constants never train and keep the file's), the first convolution's new channel count, and an inserted input
/// adapter as a Conv node in front.
/// </summary>
internal static class OnnxWeights
{
    /// <summary>The network as an ONNX graph with its current tensors.</summary>
    public static ModelProto Current(Backbone backbone)
    {
        OnnxGraphModule network = backbone.Network;
        ModelProto model = OnnxSizeAgnostic.Rewrite(OnnxImporter.ReadModel(backbone.WeightsPath), network);
        GraphProto graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(i => i.Name);
        // The rewritten graph has the module's file nodes, in order (a split node once).
        var fileSteps = network.Steps.Where(s => s.node.Source >= 0).DistinctBy(s => s.node.Source).ToList();
        for (int i = 0; i < graph.Node.Count; i++)
            WriteTensors(graph, graph.Node[i], fileSteps[i].op, initializers);
        ValueInfoProto input = graph.Input.First(v => v.Name == network.InputName);
        input.Type.TensorType.Shape.Dim[1].DimValue = network.InputChannels;
        if (network.Steps.FirstOrDefault(s => s.node.Name == OnnxGraphModule.AdapterNode).op is ConvOp adapter)
            InsertAdapter(graph, network.InputName, adapter);
        return model;
    }

    /// <summary>An ONNX float initializer holding <paramref name="values"/>.</summary>
    public static TensorProto Initializer(string name, Tensor values)
    {
        using Tensor contiguous = values.detach().cpu().to(ScalarType.Float32).contiguous();
        var proto = new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = ByteString.CopyFrom(contiguous.bytes),
        };
        proto.Dims.Add(contiguous.shape);
        return proto;
    }

    private static void WriteTensors(
        GraphProto graph,
        NodeProto node,
        IGraphOp op,
        Dictionary<string, TensorProto> initializers
    )
    {
        void Set(int slot, Tensor? value)
        {
            if (value is null || slot >= node.Input.Count || !initializers.TryGetValue(node.Input[slot], out var old))
                return;
            TensorProto current = Initializer(old.Name, value);
            old.DataType = current.DataType;
            old.Dims.Clear();
            old.Dims.Add(current.Dims);
            old.FloatData.Clear();
            old.RawData = current.RawData;
        }
        switch (op)
        {
            case ConvOp conv:
                Set(1, conv.get_parameter("weight"));
                Set(2, conv.get_parameter("bias"));
                break;
            case BatchNormOp norm:
                Set(1, norm.get_parameter("weight"));
                Set(2, norm.get_parameter("bias"));
                Set(3, norm.RunningMean);
                Set(4, norm.RunningVariance);
                break;
            case ConstantsOp constants:
                // A trained constant gets an initializer of its own: exporters share equal constants between nodes.
                foreach (int slot in constants.TrainableSlots)
                {
                    if (slot >= node.Input.Count || !initializers.ContainsKey(node.Input[slot]))
                        continue;
                    TensorProto own = Initializer($"{node.Input[slot]}__{node.Name}_{slot}", constants.Input(slot));
                    initializers[own.Name] = own;
                    graph.Initializer.Add(own);
                    node.Input[slot] = own.Name;
                }
                break;
            case LayerNormOp layerNorm:
                Set(1, layerNorm.get_parameter("weight"));
                Set(2, layerNorm.get_parameter("bias"));
                break;
            case LinearOp linear:
                // The module keeps nn.Linear's [out, in]; Gemm with transB and MatMul read [in, out] otherwise.
                bool stored = node.OpType == "Gemm" && node.Attribute.Any(a => a.Name == "transB" && a.I != 0);
                using (Tensor weight = linear.get_parameter("weight")!.detach())
                    Set(1, stored ? weight : weight.t());
                Set(2, linear.get_parameter("bias"));
                break;
        }
    }

    private static void InsertAdapter(GraphProto graph, string input, ConvOp adapter)
    {
        foreach (NodeProto node in graph.Node)
            for (int k = 0; k < node.Input.Count; k++)
                if (node.Input[k] == input)
                    node.Input[k] = OnnxGraphModule.AdapterOutput;
        graph.Initializer.Add(Initializer("input_adapter.weight", adapter.get_parameter("weight")!));
        var conv = new NodeProto { Name = OnnxGraphModule.AdapterNode, OpType = "Conv" };
        conv.Input.Add(new[] { input, "input_adapter.weight" });
        conv.Output.Add(OnnxGraphModule.AdapterOutput);
        conv.Attribute.Add(
            new AttributeProto
            {
                Name = "kernel_shape",
                Type = AttributeProto.Types.AttributeType.Ints,
                Ints = { 1, 1 },
            }
        );
        graph.Node.Insert(0, conv);
    }
}
