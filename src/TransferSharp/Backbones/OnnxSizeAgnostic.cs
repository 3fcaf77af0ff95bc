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
        // The module's op of each of the file's nodes (the first part of a split node); the nodes a classifier cut
        // left out are removed, and the graph ends where the module does.
        var opOfSource = new Dictionary<int, IGraphOp>();
        foreach (var (node, op) in imported.Steps)
            if (node.Source >= 0)
                opOfSource.TryAdd(node.Source, op);
        bool cut = graph.Output.Count != 1 || graph.Output[0].Name != imported.OutputName;
        var kept = new List<NodeProto>();
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            NodeProto node = graph.Node[i];
            if (!opOfSource.TryGetValue(i, out IGraphOp? op))
            {
                // A constant the importer folded is an initializer here too (each reader's own, as in the module).
                if (OnnxImporter.FoldedConstant(node, initializers) is { } folded)
                {
                    initializers[folded.Name] = folded;
                    graph.Initializer.Add(folded);
                }
                continue;
            }
            kept.Add(node);
            if (node.OpType == "AveragePool" && op is FunctionOp)
            {
                var global = new NodeProto { OpType = "GlobalAveragePool", Name = node.Name };
                global.Input.Add(node.Input);
                global.Output.Add(node.Output);
                kept[^1] = global;
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
        // The global pooling the importer appended after a cut before a 1x1-convolution classifier.
        foreach (
            var (node, _) in imported.Steps.Where(s =>
                s.node.Source < 0 && s.node.Name.EndsWith(ClassifierCut.PoolSuffix, StringComparison.Ordinal)
            )
        )
        {
            var global = new NodeProto { OpType = "GlobalAveragePool", Name = node.Name };
            global.Input.Add(node.Inputs);
            global.Output.Add(node.Output);
            kept.Add(global);
        }
        graph.Node.Clear();
        graph.Node.Add(kept);
        if (cut)
        {
            graph.Output.Clear();
            graph.Output.Add(
                new ValueInfoProto
                {
                    Name = imported.OutputName,
                    Type = new TypeProto
                    {
                        TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float },
                    },
                }
            );
            var read = kept.SelectMany(n => n.Input).ToHashSet();
            foreach (var unused in graph.Initializer.Where(t => !read.Contains(t.Name)).ToList())
                graph.Initializer.Remove(unused);
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
