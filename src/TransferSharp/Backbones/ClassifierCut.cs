namespace TransferSharp.Backbones;

/// <summary>
/// Where an imported classifier network's features end: followed back from the graph's output through the
/// classifier (linear layers, their biases, activations, dropout, flatten and reshape), the input of the earliest
/// linear layer reached is the pooled feature vector (timm's pre-logits). A norm or pooling before it stays.
/// </summary>
internal static class ClassifierCut
{
    private static readonly HashSet<string> passThrough = new()
    {
        "Flatten",
        "Reshape",
        "Squeeze",
        "Unsqueeze",
        "Dropout",
        "Identity",
        "Softmax",
        "LogSoftmax",
        "Relu",
        "Add",
        "Sub",
        "Mul",
        "Div",
    };

    /// <summary>The name of the global pooling the importer appends after a cut before a 1x1-convolution
    /// classifier.</summary>
    public const string PoolSuffix = "_transfersharp_pool";

    /// <summary>The tensor the network should end at: <paramref name="output"/>, the classifier's input when asked
    /// to cut it, or the named node's output; <c>pool</c> when the classifier was a 1x1 convolution over a feature
    /// map (SqueezeNet), whose input must then be pooled.</summary>
    public static (string tensor, bool pool) Output(
        IReadOnlyList<(GraphNode node, IGraphOp op)> steps,
        string output,
        IReadOnlySet<string> constants,
        OnnxImportOptions options,
        string source
    )
    {
        if (options.FeatureNode is { } named)
        {
            var match = steps.FirstOrDefault(s => s.node.Name == named || s.node.Output == named);
            if (match.node is null)
                throw new OnnxImportException(
                    $"{source}: --feature-node '{named}': no node or tensor of that name in the graph."
                );
            return (match.node.Output, false);
        }
        if (!options.CutClassifier)
            return (output, false);
        var producer = new Dictionary<string, GraphNode>();
        foreach (var (node, _) in steps)
            producer[node.Output] = node;
        // Sizes computed in the graph (Shape, Gather, Concat into a Reshape) are not data.
        var computed = new Dictionary<string, bool>();
        bool IsStatic(string t)
        {
            if (constants.Contains(t))
                return true;
            if (!producer.TryGetValue(t, out var p))
                return false;
            if (!computed.TryGetValue(t, out bool known))
                computed[t] = known =
                    p.OpType is "Constant" or "Shape"
                    || p.Inputs.Count > 0 && p.Inputs.All(i => i.Length == 0 || IsStatic(i));
            return known;
        }
        bool IsData(string input) => input.Length > 0 && !IsStatic(input);
        string current = output;
        string? cut = null;
        while (producer.TryGetValue(current, out var node))
        {
            var data = node.OpType == "Reshape" ? node.Inputs.Take(1).ToList() : node.Inputs.Where(IsData).ToList();
            if (data.Count != 1)
                break;
            if (node.OpType is "Gemm" or "MatMul")
            {
                if (!constants.Contains(node.Inputs.ElementAtOrDefault(1) ?? ""))
                    break;
                cut = data[0];
            }
            else if (node.OpType == "GlobalAveragePool" && cut is null)
                return ConvolutionClassifierInput(steps, producer, data[0]) is { } map ? (map, true) : (output, false);
            else if (!passThrough.Contains(node.OpType))
                break;
            current = data[0];
        }
        return (cut ?? output, false);
    }

    /// <summary>SqueezeNet's classifier: a 1x1 convolution to the classes (then ReLU, dropout) before the global
    /// pooling. Returns the convolution's input, or null when <paramref name="pooled"/> comes from anything
    /// else.</summary>
    private static string? ConvolutionClassifierInput(
        IReadOnlyList<(GraphNode node, IGraphOp op)> steps,
        Dictionary<string, GraphNode> producer,
        string pooled
    )
    {
        string current = pooled;
        while (producer.TryGetValue(current, out var node) && node.OpType is "Relu" or "Dropout" or "Identity")
            current = node.Inputs[0];
        if (!producer.TryGetValue(current, out var conv) || conv.OpType != "Conv")
            return null;
        var op = steps.First(s => s.node == conv).op as ConvOp;
        return op is { Groups: 1 } && op.Window.Kernel.All(k => k == 1) ? conv.Inputs[0] : null;
    }

    /// <summary>The steps that <paramref name="output"/> depends on, in order (every step when nothing was
    /// cut).</summary>
    public static List<(GraphNode node, IGraphOp op)> Ancestors(
        List<(GraphNode node, IGraphOp op)> steps,
        string output
    )
    {
        var needed = new HashSet<string> { output };
        var kept = new List<(GraphNode, IGraphOp)>();
        for (int i = steps.Count - 1; i >= 0; i--)
        {
            var (node, op) = steps[i];
            if (!needed.Contains(node.Output))
                continue;
            kept.Add((node, op));
            foreach (string input in node.Inputs)
                needed.Add(input);
        }
        kept.Reverse();
        return kept;
    }
}
