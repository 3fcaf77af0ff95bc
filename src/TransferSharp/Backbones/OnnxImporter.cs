using Onnx;
using TransferSharp.Engine;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Backbones;

/// <summary>
/// Imports a CNN from ONNX into a TorchSharp module (<see cref="OnnxGraphModule"/>). General, not tied to one
/// architecture: the ops of common CNNs (ResNet, MobileNet, VGG, EfficientNet-style blocks) are supported; an unknown
/// op is an error that names the op and the node. After import the graph is traced once at its declared size to make it
/// size-agnostic (see <see cref="PaddingPolicy"/>; a fixed-size AveragePool that covers the whole feature map becomes a
/// global average) and to derive layer groups from the downsampling stages.
/// </summary>
public static class OnnxImporter
{
    /// <summary>The ONNX operators this importer supports.</summary>
    public static readonly IReadOnlyList<string> SupportedOps = new[]
    {
        "Conv",
        "BatchNormalization",
        "Relu",
        "LeakyRelu",
        "Clip",
        "Sigmoid",
        "HardSigmoid",
        "HardSwish",
        "Add",
        "Sub",
        "Mul",
        "Div",
        "Concat",
        "MaxPool",
        "AveragePool",
        "GlobalAveragePool",
        "GlobalMaxPool",
        "Flatten",
        "Reshape",
        "Gemm",
        "MatMul",
        "Dropout",
        "Identity",
    }
        .Concat(OnnxTensorOps.Supported)
        .ToArray();

    /// <summary>The default (ai.onnx) domain's opset <paramref name="model"/> imports; <paramref name="ifNone"/> when
    /// it names none.</summary>
    public static long DefaultOpset(ModelProto model, long ifNone) =>
        model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(ifNone).Max();

    /// <summary>Reads and parses an ONNX file; errors name the file.</summary>
    public static ModelProto ReadModel(string path)
    {
        if (!File.Exists(path))
            throw new OnnxImportException($"{path}: ONNX file not found.");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0)
            throw new OnnxImportException($"{path}: the ONNX file is empty.");
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (Exception e)
        {
            throw new OnnxImportException($"{path}: not a valid ONNX model ({e.Message}).", e);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new OnnxImportException($"{path}: the ONNX model has no graph nodes.");
        return model;
    }

    /// <summary>Imports the ONNX file at <paramref name="path"/>.</summary>
    public static OnnxGraphModule Import(string path, OnnxImportOptions? options = null)
    {
        TorchRuntime.EnsureLoaded();
        return Import(ReadModel(path), path, options ?? new OnnxImportOptions());
    }

    /// <summary>Imports a parsed model; <paramref name="source"/> names it in errors.</summary>
    public static OnnxGraphModule Import(ModelProto model, string source, OnnxImportOptions options)
    {
        TorchRuntime.EnsureLoaded();
        GraphProto graph = model.Graph;
        var initializers = new Dictionary<string, TensorProto>();
        foreach (var init in graph.Initializer)
            initializers[init.Name] = init;
        var dataInputs = graph.Input.Where(i => !initializers.ContainsKey(i.Name)).ToList();
        if (dataInputs.Count != 1)
            throw new OnnxImportException(
                $"{source}: expected one image input, found {dataInputs.Count} "
                    + $"({string.Join(", ", dataInputs.Select(i => i.Name))})."
            );
        if (graph.Output.Count != 1)
            throw new OnnxImportException($"{source}: expected one output, found {graph.Output.Count}.");

        var dims = dataInputs[0].Type?.TensorType?.Shape?.Dim;
        if (dims is { Count: > 0 and not 4 })
            throw new OnnxImportException(
                $"{source}: the input '{dataInputs[0].Name}' has {dims.Count} dimensions; an image input has 4 "
                    + "(batch, channels, height, width)."
            );
        long opset = DefaultOpset(model, 13);
        var steps = new List<(GraphNode, IGraphOp)>();
        var usedNames = new HashSet<string>();
        var consumed = graph
            .Node.SelectMany(n => n.Input)
            .Concat(graph.Output.Select(o => o.Name))
            .Where(n => n.Length > 0)
            .ToHashSet();
        using (no_grad())
        {
            for (int index = 0; index < graph.Node.Count; index++)
            {
                NodeProto proto = graph.Node[index];
                // Constants and copies of initializers (exporters deduplicate equal weights through Identity) become
                // initializers of their own: every op that reads one owns its copy.
                if (FoldedConstant(proto, initializers) is { } folded)
                {
                    initializers[proto.Output[0]] = folded;
                    continue;
                }
                string name = UniqueName(proto, index, usedNames);
                var context = new OnnxNodeContext(proto, name, source, initializers, opset);
                bool perOutput = proto.OpType is "Split" or "LayerNormalization";
                if (!perOutput && proto.Output.Skip(1).FirstOrDefault(consumed.Contains) is { } extra)
                    throw context.Error(
                        $"its output '{extra}' is used, but only the first output of {proto.OpType} is supported."
                    );
                if (perOutput)
                {
                    // One node per output: the graph's nodes have one output each.
                    var parts =
                        proto.OpType == "Split"
                            ? OnnxTensorOps.Split(context)
                            : OnnxTensorOps.LayerNormOutputs(context);
                    for (int k = 0; k < parts.Count; k++)
                    {
                        if (k > 0 && !consumed.Contains(proto.Output[k]))
                            continue;
                        string part =
                            k == 0 ? name : UniqueName(new NodeProto { Name = $"{name}_{k}" }, index, usedNames);
                        steps.Add(
                            (new GraphNode(part, proto.OpType, proto.Input.ToList(), proto.Output[k], index), parts[k])
                        );
                    }
                    continue;
                }
                var node = new GraphNode(
                    name,
                    proto.OpType,
                    proto.Input.ToList(),
                    proto.Output.Count > 0 ? proto.Output[0] : name + "_out",
                    index
                );
                steps.Add((node, BuildOp(context, options)));
            }
        }
        var (output, pool) = ClassifierCut.Output(
            steps,
            graph.Output[0].Name,
            initializers.Keys.ToHashSet(),
            options,
            source
        );
        if (output != graph.Output[0].Name)
            steps = ClassifierCut.Ancestors(steps, output);
        if (pool)
        {
            // The features are the feature map's global average (OnnxSizeAgnostic writes the same node).
            string pooled = output + ClassifierCut.PoolSuffix;
            var proto = new NodeProto { OpType = "GlobalAveragePool", Name = pooled };
            proto.Input.Add(output);
            proto.Output.Add(pooled);
            var context = new OnnxNodeContext(proto, pooled, source, initializers, opset);
            steps.Add((new GraphNode(pooled, proto.OpType, new[] { output }, pooled), BuildOp(context, options)));
            output = pooled;
        }

        long channels = dims is { Count: 4 } && dims[1].DimValue > 0 ? dims[1].DimValue : 3;
        long declaredH = dims is { Count: 4 } && dims[2].DimValue > 0 ? dims[2].DimValue : options.TraceSize;
        long declaredW = dims is { Count: 4 } && dims[3].DimValue > 0 ? dims[3].DimValue : options.TraceSize;

        var module = new OnnxGraphModule(SafeModuleName(graph.Name), dataInputs[0].Name, output, steps)
        {
            InputChannels = channels,
        };
        module.eval();
        MakeSizeAgnostic(module, channels, declaredH, declaredW, options, source);
        return module;
    }

    /// <summary>The value of a Constant node, or of an Identity of an initializer, as an initializer named after the
    /// node's output; null for any other node.</summary>
    internal static TensorProto? FoldedConstant(NodeProto node, IReadOnlyDictionary<string, TensorProto> initializers)
    {
        if (node.Output.Count != 1)
            return null;
        TensorProto? value = null;
        if (node.OpType == "Identity" && node.Input.Count == 1 && initializers.TryGetValue(node.Input[0], out var copy))
            value = copy.Clone();
        else if (node.OpType == "Constant" && node.Attribute.FirstOrDefault(a => a.Name == "value") is { T: { } t })
            value = t.Clone();
        else if (node.OpType == "Constant" && node.Attribute.Count == 1)
        {
            AttributeProto a = node.Attribute[0];
            value = a.Name switch
            {
                "value_float" => new TensorProto
                {
                    DataType = (int)TensorProto.Types.DataType.Float,
                    FloatData = { a.F },
                },
                "value_floats" => new TensorProto
                {
                    DataType = (int)TensorProto.Types.DataType.Float,
                    FloatData = { a.Floats },
                    Dims = { a.Floats.Count },
                },
                "value_int" => new TensorProto
                {
                    DataType = (int)TensorProto.Types.DataType.Int64,
                    Int64Data = { a.I },
                },
                "value_ints" => new TensorProto
                {
                    DataType = (int)TensorProto.Types.DataType.Int64,
                    Int64Data = { a.Ints },
                    Dims = { a.Ints.Count },
                },
                _ => null,
            };
        }
        if (value is null)
            return null;
        value.Name = node.Output[0];
        return value;
    }

    private static string SafeModuleName(string name) => string.IsNullOrWhiteSpace(name) ? "onnx_graph" : name;

    private static string UniqueName(NodeProto proto, int index, HashSet<string> used)
    {
        string baseName = string.IsNullOrEmpty(proto.Name) ? $"{proto.OpType}_{index}" : proto.Name;
        baseName = baseName.Replace('.', '_').Replace('/', '_').Replace(':', '_');
        string name = baseName;
        for (int k = 1; !used.Add(name); k++)
            name = $"{baseName}_{k}";
        return name;
    }

    /// <summary>Traces the graph at its declared size, symmetrises pads where equivalent, globalises whole-map pooling,
    /// derives layer groups.</summary>
    private static void MakeSizeAgnostic(
        OnnxGraphModule module,
        long channels,
        long height,
        long width,
        OnnxImportOptions options,
        string source
    )
    {
        var inputShapes = new Dictionary<string, long[]>();
        var outputShapes = new Dictionary<string, long[]>();
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            Tensor probe = zeros(1, channels, height, width);
            try
            {
                module.Run(
                    probe,
                    (node, args, output) =>
                    {
                        if (args.Count > 0 && args[0] is { } first)
                            inputShapes[node.Name] = first.shape;
                        outputShapes[node.Name] = output.shape;
                    }
                );
            }
            catch (Exception e) when (e is not OnnxImportException)
            {
                throw new OnnxImportException(
                    $"{source}: the graph does not run at its declared input size {height}x{width}: {e.Message}",
                    e
                );
            }
        }

        var adaptations = new List<string>();
        foreach (GraphNode node in module.Nodes)
        {
            if (!inputShapes.TryGetValue(node.Name, out long[]? shape) || shape.Length != 4)
                continue;
            long[] spatial = shape[2..];
            IGraphOp op = module.OpOf(node.Name);
            Window? window = op switch
            {
                ConvOp c => c.Window,
                MaxPoolOp m => m.Window,
                AveragePoolOp a => a.Window,
                _ => null,
            };
            if (window is null)
                continue;
            if (
                op is AveragePoolOp avg
                && window.AutoPad == AutoPad.NotSet
                && window.PadBegin.All(p => p == 0)
                && window.PadEnd.All(p => p == 0)
                && window.Kernel.SequenceEqual(spatial)
                && !window.CeilMode
            )
            {
                module.ReplaceOp(
                    node.Name,
                    new FunctionOp((x, _) => F.adaptive_avg_pool2d(x[0]!, new long[] { 1, 1 }))
                );
                adaptations.Add(
                    $"{node.Name}: AveragePool {string.Join("x", window.Kernel)} covering the whole "
                        + $"{string.Join("x", spatial)} map -> global average pool"
                );
                continue;
            }
            if (
                options.Padding == PaddingPolicy.Exact
                || window.AutoPad != AutoPad.NotSet
                || Window.IsSymmetric(window.PadBegin, window.PadEnd)
            )
                continue;
            bool equivalent = true;
            for (int d = 0; d < spatial.Length; d++)
            {
                long b = window.PadBegin[d],
                    e = window.PadEnd[d];
                if (b < e || window.OutputSize(d, spatial[d], b, e) != window.OutputSize(d, spatial[d], b, b))
                    equivalent = false;
            }
            if (!equivalent)
                continue;
            string before = $"[{string.Join(",", window.PadBegin.Concat(window.PadEnd))}]";
            window.PadEnd = (long[])window.PadBegin.Clone();
            adaptations.Add(
                $"{node.Name}: {node.OpType} pads {before} -> "
                    + $"[{string.Join(",", window.PadBegin.Concat(window.PadEnd))}] (identical output at "
                    + $"{height}x{width})"
            );
        }
        module.Adaptations = adaptations;
        module.SetGroups(DeriveGroups(module, outputShapes, height, options.GroupNames));
    }

    /// <summary>
    /// Layer groups from downsampling: every node belongs to the stride level of the feature map it produces (input
    /// size / output size); nodes that produce no spatial map (global pooling, flatten, dense layers) join the group of
    /// their inputs. One group per stride level, in order: the first is the stem.
    /// </summary>
    private static List<LayerGroup> DeriveGroups(
        OnnxGraphModule module,
        Dictionary<string, long[]> outputShapes,
        long height,
        IReadOnlyList<string>? names
    )
    {
        var strideOfTensor = new Dictionary<string, long> { [module.InputName] = 1 };
        var strideOfNode = new Dictionary<string, long>();
        foreach (GraphNode node in module.Nodes)
        {
            long inherited = node
                .Inputs.Where(strideOfTensor.ContainsKey)
                .Select(i => strideOfTensor[i])
                .DefaultIfEmpty(1)
                .Max();
            long stride = inherited;
            if (outputShapes.TryGetValue(node.Name, out long[]? shape) && shape.Length == 4 && shape[2] > 1)
                stride = Math.Max(inherited, height / shape[2]);
            strideOfTensor[node.Output] = stride;
            strideOfNode[node.Name] = stride;
        }
        var levels = strideOfNode.Values.Distinct().OrderBy(s => s).ToList();
        // The input-resolution level (stride 1, e.g. a normalisation before the first conv) belongs to the stem.
        if (levels.Count > 1 && levels[0] == 1)
            levels.RemoveAt(0);
        var groups = new List<LayerGroup>();
        for (int g = 0; g < levels.Count; g++)
        {
            long level = levels[g];
            var members = module
                .Nodes.Where(n => Math.Max(strideOfNode[n.Name], levels[0]) == level)
                .Select(n => n.Name)
                .ToList();
            string name =
                names is not null && names.Count == levels.Count ? names[g]
                : g == 0 ? "stem"
                : $"stage{g}";
            groups.Add(new LayerGroup(name, g, members, level));
        }
        return groups;
    }

    private static IGraphOp BuildOp(OnnxNodeContext c, OnnxImportOptions options)
    {
        switch (c.Proto.OpType)
        {
            case "Conv":
            {
                Tensor weight = c.Constant(1);
                if (weight.dim() != 4)
                    throw c.Error($"only 2-D convolutions are supported (weight has {weight.dim()} dims).");
                return new ConvOp(
                    c.Name,
                    weight,
                    c.OptionalConstant(2),
                    ReadWindow(c, weight.shape[2..]),
                    c.Int("group", 1)
                );
            }
            case "BatchNormalization":
                if (c.Int("training_mode", 0) != 0)
                    throw c.Error("training_mode=1 is not supported; export the network in inference mode.");
                return new BatchNormOp(
                    c.Name,
                    c.Constant(1),
                    c.Constant(2),
                    c.Constant(3),
                    c.Constant(4),
                    c.Float("epsilon", 1e-5f),
                    options.BatchNormMomentum
                );
            case "Gemm":
            {
                // A linear layer needs a constant B and a bias of one value per output (or none).
                bool hasBias = c.Proto.Input.Count > 2 && c.Proto.Input[2].Length > 0;
                if (!c.IsConstant(1) || (hasBias && !c.IsConstant(2)))
                    return Elementwise(c, (x, _) => GemmDynamic(c, x));
                Tensor b = c.Constant(1);
                long outputs = b.shape[c.Int("transB", 0) != 0 ? 0 : 1];
                if (hasBias && c.Initializers[c.Proto.Input[2]].Dims.Aggregate(1L, (p, d) => p * d) != outputs)
                    return Elementwise(c, (x, _) => GemmDynamic(c, x));
                Tensor weight = c.Int("transB", 0) != 0 ? b : b.t().contiguous();
                return new LinearOp(
                    c.Name,
                    weight,
                    c.OptionalConstant(2)?.flatten(),
                    c.Float("alpha", 1f),
                    c.Float("beta", 1f),
                    c.Int("transA", 0) != 0
                );
            }
            case "MatMul":
                if (c.IsConstant(1) && c.Initializers[c.Proto.Input[1]].Dims.Count == 2)
                    return new LinearOp(c.Name, c.Constant(1).t().contiguous(), null, 1, 1, false);
                return Elementwise(c, (x, _) => matmul(x[0]!, x[1]!));
            case "Relu":
                return new FunctionOp((x, _) => F.relu(x[0]!));
            case "LeakyRelu":
            {
                double alpha = c.Float("alpha", 0.01f);
                return new FunctionOp((x, _) => F.leaky_relu(x[0]!, alpha));
            }
            case "Sigmoid":
                return new FunctionOp((x, _) => F.sigmoid(x[0]!));
            case "HardSigmoid":
            {
                double alpha = c.Float("alpha", 0.2f),
                    beta = c.Float("beta", 0.5f);
                return new FunctionOp((x, _) => (x[0]! * alpha + beta).clamp(0.0, 1.0));
            }
            case "HardSwish":
                return new FunctionOp((x, _) => F.hardswish(x[0]!));
            case "Clip":
            {
                // Opset < 11: attributes; opset >= 11: optional inputs, constants or computed (Constant nodes).
                double min = c.IsConstant(1) ? c.Constant(1).item<float>() : c.Float("min", float.MinValue);
                double max = c.IsConstant(2) ? c.Constant(2).item<float>() : c.Float("max", float.MaxValue);
                return new FunctionOp(
                    (x, _) =>
                        x[0]!.clamp(
                            x.Count > 1 && x[1] is { } low ? low.to_type(ScalarType.Float64).item<double>() : min,
                            x.Count > 2 && x[2] is { } high ? high.to_type(ScalarType.Float64).item<double>() : max
                        )
                );
            }
            // A float constant of more than one value added or multiplied is a learned tensor in the exporter's
            // network (a linear layer's bias after MatMul, LayerNorm's affine, ConvNeXt's layer scale): it trains.
            case "Add":
                return Elementwise(c, (x, _) => x[0]! + x[1]!, learnable: true);
            case "Sub":
                return Elementwise(c, (x, _) => x[0]! - x[1]!);
            case "Mul":
                return Elementwise(c, (x, _) => x[0]! * x[1]!, learnable: true);
            case "Div":
                // Integer division truncates in ONNX (shape arithmetic); torch's / would give floats.
                return Elementwise(
                    c,
                    (x, _) => x[0]!.is_floating_point() ? x[0]! / x[1]! : x[0]!.div(x[1]!, RoundingMode.trunc)
                );
            case "Concat":
            {
                long axis = c.Int("axis", 1);
                return Elementwise(c, (x, _) => cat(x.Select(t => t!).ToArray(), axis));
            }
            case "MaxPool":
            {
                long[] kernel = c.Ints("kernel_shape") ?? throw c.Error("kernel_shape is missing.");
                if (kernel.Length != 2)
                    throw c.Error("only 2-D pooling is supported.");
                if (c.Int("storage_order", 0) != 0)
                    throw c.Error("storage_order=1 is not supported.");
                return new MaxPoolOp(ReadWindow(c, kernel));
            }
            case "AveragePool":
            {
                long[] kernel = c.Ints("kernel_shape") ?? throw c.Error("kernel_shape is missing.");
                if (kernel.Length != 2)
                    throw c.Error("only 2-D pooling is supported.");
                return new AveragePoolOp(ReadWindow(c, kernel), c.Int("count_include_pad", 0) != 0);
            }
            case "GlobalAveragePool":
                return new FunctionOp((x, _) => F.adaptive_avg_pool2d(x[0]!, new long[] { 1, 1 }));
            case "GlobalMaxPool":
                return new FunctionOp((x, _) => x[0]!.amax(new long[] { 2, 3 }, keepdim: true));
            case "Flatten":
            {
                long axis = c.Int("axis", 1);
                return new FunctionOp(
                    (x, _) =>
                    {
                        long a = axis < 0 ? axis + x[0]!.dim() : axis;
                        long outer = x[0]!.shape.Take((int)a).Aggregate(1L, (p, d) => p * d);
                        return x[0]!.reshape(outer, -1);
                    }
                );
            }
            case "Reshape":
            {
                long[]? target = c.IsConstant(1) ? LongValues(c.Initializers[c.Proto.Input[1]], c) : c.Ints("shape");
                bool allowZero = c.Int("allowzero", 0) != 0;
                return new FunctionOp(
                    (x, _) =>
                    {
                        // A shape computed in the graph (Shape, Gather, Concat) is read when the node runs.
                        long[] wanted = target ?? OnnxTensorOps.Values(x[1]!);
                        long[] shape = wanted.Select((d, i) => d == 0 && !allowZero ? x[0]!.shape[i] : d).ToArray();
                        return x[0]!.reshape(shape);
                    }
                );
            }
            case "Dropout":
            {
                // The third input asks for training-mode dropout (random); an inference graph leaves it out or false.
                if (c.Proto.Input.Count > 2 && c.Proto.Input[2].Length > 0)
                {
                    if (!c.IsConstant(2))
                        throw c.Error("a training_mode input computed in the graph is not supported.");
                    if (c.Constant(2).to(ScalarType.Bool).item<bool>())
                        throw c.Error("training_mode=true (random dropout at inference) is not supported.");
                }
                double ratio = c.IsConstant(1) ? c.Constant(1).item<float>() : c.Float("ratio", 0.5f);
                return new FunctionOp((x, training) => training ? F.dropout(x[0]!, ratio, true) : x[0]!.alias());
            }
            case "Identity":
                return new FunctionOp((x, _) => x[0]!.alias());
            default:
                return OnnxTensorOps.Build(c)
                    ?? throw c.Error(
                        $"the operator '{c.Proto.OpType}' is not supported. Supported: "
                            + $"{string.Join(", ", SupportedOps)}."
                    );
        }
    }

    private static Tensor GemmDynamic(OnnxNodeContext c, IReadOnlyList<Tensor?> x)
    {
        Tensor a = c.Int("transA", 0) != 0 ? x[0]!.t() : x[0]!;
        Tensor b = c.Int("transB", 0) != 0 ? x[1]!.t() : x[1]!;
        Tensor y = matmul(a, b) * c.Float("alpha", 1f);
        return x.Count > 2 && x[2] is { } bias ? y + bias * c.Float("beta", 1f) : y;
    }

    /// <summary>An op whose initializer inputs become buffers of a module (so they move with the network).</summary>
    internal static IGraphOp Elementwise(
        OnnxNodeContext c,
        Func<IReadOnlyList<Tensor?>, bool, Tensor> body,
        bool learnable = false
    )
    {
        var constants = new Dictionary<int, Tensor>();
        for (int slot = 0; slot < c.Proto.Input.Count; slot++)
            if (c.IsConstant(slot))
                constants[slot] = c.Constant(slot);
        var trainable = learnable
            ? constants.Where(p => p.Value.is_floating_point() && p.Value.numel() > 1).Select(p => p.Key).ToHashSet()
            : new HashSet<int>();
        return constants.Count == 0 ? new FunctionOp(body) : new ConstantsOp(c.Name, constants, body, trainable);
    }

    private static Window ReadWindow(OnnxNodeContext c, long[] kernel)
    {
        int d = kernel.Length;
        long[] strides = c.Ints("strides") ?? Enumerable.Repeat(1L, d).ToArray();
        long[] dilations = c.Ints("dilations") ?? Enumerable.Repeat(1L, d).ToArray();
        long[] pads = c.Ints("pads") ?? new long[2 * d];
        if (strides.Length != d || dilations.Length != d || pads.Length != 2 * d)
            throw c.Error($"strides/dilations/pads do not match a {d}-D kernel.");
        string autoPad = c.String("auto_pad", "NOTSET");
        AutoPad mode = autoPad switch
        {
            "NOTSET" or "" => AutoPad.NotSet,
            "SAME_UPPER" => AutoPad.SameUpper,
            "SAME_LOWER" => AutoPad.SameLower,
            "VALID" => AutoPad.Valid,
            _ => throw c.Error($"unknown auto_pad '{autoPad}'."),
        };
        return new Window
        {
            Kernel = kernel,
            Strides = strides,
            Dilations = dilations,
            PadBegin = pads[..d],
            PadEnd = pads[d..],
            AutoPad = mode,
            CeilMode = c.Int("ceil_mode", 0) != 0,
        };
    }

    internal static Tensor ToTensor(TensorProto proto, OnnxNodeContext c)
    {
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
            throw c.Error(
                $"initializer '{proto.Name}' uses external data, which is not supported; save the model with its "
                    + $"weights inside."
            );
        long[] dims = proto.Dims.ToArray();
        switch ((TensorProto.Types.DataType)proto.DataType)
        {
            case TensorProto.Types.DataType.Float:
            {
                float[] values = Values(proto, proto.FloatData);
                if (values.LongLength != dims.Aggregate(1L, (p, v) => p * v))
                    throw c.Error(
                        $"initializer '{proto.Name}' has {values.Length} values for shape [{string.Join(",", dims)}]."
                    );
                return tensor(values, dims);
            }
            case TensorProto.Types.DataType.Int64:
                return tensor(LongValues(proto, c), dims);
            case TensorProto.Types.DataType.Int32:
                return tensor(Values(proto, proto.Int32Data), dims);
            case TensorProto.Types.DataType.Double:
                return tensor(Values(proto, proto.DoubleData), dims);
            case TensorProto.Types.DataType.Bool:
                // Raw bools are one byte each; typed ones are stored as int32.
                return tensor(
                    proto.RawData.Length > 0
                        ? proto.RawData.Span.ToArray().Select(b => b != 0).ToArray()
                        : proto.Int32Data.Select(v => v != 0).ToArray(),
                    dims
                );
            default:
                throw c.Error(
                    $"initializer '{proto.Name}' has data type {(TensorProto.Types.DataType)proto.DataType}; only "
                        + $"float, double, int64, int32 and bool are supported."
                );
        }
    }

    /// <summary>A tensor's values from its raw bytes when it has them, else from its typed field.</summary>
    internal static T[] Values<T>(TensorProto proto, IEnumerable<T> typed)
        where T : unmanaged =>
        proto.RawData.Length > 0
            ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(proto.RawData.Span).ToArray()
            : typed.ToArray();

    internal static long[] LongValues(TensorProto proto, OnnxNodeContext c)
    {
        if (proto.RawData.Length > 0 || proto.Int64Data.Count > 0)
            return Values(proto, proto.Int64Data);
        if (proto.Dims.Aggregate(1L, (p, d) => p * d) == 0)
            return Array.Empty<long>();
        throw c.Error($"initializer '{proto.Name}' holds no int64 values.");
    }
}
