using Google.Protobuf;
using Onnx;

namespace TransferSharp.Backbones;

/// <summary>
/// Writes a copy of an ONNX graph with the same adaptations the importer made (symmetric pads where equivalent,
/// whole-map AveragePool as GlobalAveragePool) and symbolic batch and spatial sizes, so that other runtimes (ONNX
/// Runtime) can run it at any input size, agreeing with the imported TorchSharp module.
/// </summary>
public static class OnnxSizeAgnostic
{
    /// <summary>Returns the rewritten model; <paramref name="imported"/> must have been imported from <paramref
    /// name="model"/>.</summary>
    public static ModelProto Rewrite(ModelProto model, OnnxGraphModule imported)
    {
        ModelProto copy = model.Clone();
        GraphProto graph = copy.Graph;
        // The file's nodes, in order (an input adapter the run inserted is not one of them).
        var byName = imported
            .Nodes.Where(n => n.Name != OnnxGraphModule.AdapterNode)
            .Select((n, i) => (n, i))
            .ToDictionary(p => p.i, p => p.n);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            NodeProto node = graph.Node[i];
            IGraphOp op = imported.OpOf(byName[i].Name);
            if (node.OpType == "AveragePool" && op is FunctionOp)
            {
                var global = new NodeProto { OpType = "GlobalAveragePool", Name = node.Name };
                global.Input.Add(node.Input);
                global.Output.Add(node.Output);
                graph.Node[i] = global;
                continue;
            }
            Window? window = op switch
            {
                ConvOp c => c.Window,
                MaxPoolOp m => m.Window,
                AveragePoolOp a => a.Window,
                _ => null,
            };
            if (window is null || window.AutoPad != AutoPad.NotSet)
                continue;
            AttributeProto? pads = node.Attribute.FirstOrDefault(a => a.Name == "pads");
            if (pads is null)
                continue;
            pads.Ints.Clear();
            pads.Ints.Add(window.PadBegin);
            pads.Ints.Add(window.PadEnd);
        }
        foreach (ValueInfoProto value in graph.Input.Concat(graph.Output))
        {
            var dims = value.Type?.TensorType?.Shape?.Dim;
            if (dims is not { Count: 4 })
                continue;
            SetSymbolic(dims[0], "batch");
            SetSymbolic(dims[2], "height");
            SetSymbolic(dims[3], "width");
        }
        graph.ValueInfo.Clear(); // intermediate shapes were for the declared size only
        return copy;
    }

    /// <summary>Writes the rewritten copy of <paramref name="sourcePath"/> to <paramref
    /// name="destinationPath"/>.</summary>
    public static void Write(string sourcePath, OnnxGraphModule imported, string destinationPath)
    {
        ModelProto rewritten = Rewrite(OnnxImporter.ReadModel(sourcePath), imported);
        using var stream = File.Create(destinationPath);
        rewritten.WriteTo(stream);
    }

    private static void SetSymbolic(TensorShapeProto.Types.Dimension dim, string name)
    {
        dim.ClearDimValue();
        dim.DimParam = name;
    }
}
