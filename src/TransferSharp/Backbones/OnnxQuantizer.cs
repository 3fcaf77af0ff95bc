using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace TransferSharp.Backbones;

/// <summary>
/// Static int8 quantisation of a frozen ONNX graph in ONNX Runtime's QDQ form: each BatchNormalization folded into
/// the convolution before it, convolution weights int8 per output channel (symmetric), activations uint8 per tensor
/// with ranges calibrated on the user's images. A ReLU after a quantised op is dropped: the zero point's clamp does
/// its work. ONNX Runtime fuses DequantizeLinear -> Conv -> QuantizeLinear into one integer convolution (VNNI).
/// </summary>
internal static class OnnxQuantizer
{
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>Changes with what the quantised graph computes (part of the feature cache's key).</summary>
    public const int Version = 1;

    /// <summary>
    /// Weight levels each side of zero that this machine's integer convolutions take exactly: 127 where the CPU has
    /// VNNI (products summed in 32 bits) or is not x86; 63 on x86 without it, where ONNX Runtime's u8 x s8 kernel
    /// (vpmaddubsw) adds two products in 16 bits and 255 x 127 x 2 saturates (its quantiser's "reduce_range").
    /// </summary>
    public static int MachineWeightLevels { get; } = HasVnni() ? 127 : 63;

    private static bool HasVnni()
    {
        if (!System.Runtime.Intrinsics.X86.X86Base.IsSupported || System.Runtime.Intrinsics.X86.AvxVnni.IsSupported)
            return true;
        // .NET names no AVX-512 VNNI class: the kernel's CPU flags say it on Linux.
        try
        {
            return File.Exists("/proc/cpuinfo")
                && File.ReadLines("/proc/cpuinfo")
                    .Where(l => l.StartsWith("flags", StringComparison.Ordinal))
                    .Take(1)
                    .Any(l => l.Split(' ', ':', '\t').Contains("avx512_vnni"));
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A copy of <paramref name="model"/> with every BatchNormalization that is the only reader of a
    /// convolution's output folded into that convolution's weights and bias (inference statistics).</summary>
    public static ModelProto FoldBatchNorms(ModelProto model)
    {
        ModelProto copy = model.Clone();
        GraphProto graph = copy.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var readers = Readers(graph);
        var outputs = graph.Output.Select(o => o.Name).ToHashSet();
        var producerOf = new Dictionary<string, NodeProto>();
        foreach (NodeProto node in graph.Node)
        foreach (string output in node.Output)
            producerOf[output] = node;
        var removed = new HashSet<NodeProto>();
        int folded = 0;
        foreach (NodeProto bn in graph.Node.Where(n => n.OpType == "BatchNormalization").ToList())
        {
            if (bn.Output.Count != 1 || bn.Input.Count != 5)
                continue;
            if (!producerOf.TryGetValue(bn.Input[0], out NodeProto? conv) || !IsConstantConv(conv, initializers))
                continue;
            if (readers[conv.Output[0]].Count != 1 || outputs.Contains(conv.Output[0]))
                continue;
            if (bn.Input.Skip(1).Any(name => !initializers.ContainsKey(name)))
                continue;
            float epsilon = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            float[] gamma = Floats(initializers[bn.Input[1]]),
                beta = Floats(initializers[bn.Input[2]]),
                mean = Floats(initializers[bn.Input[3]]),
                variance = Floats(initializers[bn.Input[4]]);
            TensorProto weightProto = initializers[conv.Input[1]];
            float[] weight = Floats(weightProto);
            int channels = (int)weightProto.Dims[0];
            int perChannel = weight.Length / channels;
            float[] bias =
                conv.Input.Count > 2 && conv.Input[2] != "" ? Floats(initializers[conv.Input[2]]) : new float[channels];
            for (int c = 0; c < channels; c++)
            {
                float factor = gamma[c] / MathF.Sqrt(variance[c] + epsilon);
                for (int k = 0; k < perChannel; k++)
                    weight[c * perChannel + k] *= factor;
                bias[c] = (bias[c] - mean[c]) * factor + beta[c];
            }
            // New names: an initializer may be shared with another node.
            string prefix = $"bnfold{folded++}_";
            graph.Initializer.Add(FloatTensor(prefix + "weight", weight, weightProto.Dims));
            graph.Initializer.Add(FloatTensor(prefix + "bias", bias, [channels]));
            while (conv.Input.Count < 3)
                conv.Input.Add("");
            conv.Input[1] = prefix + "weight";
            conv.Input[2] = prefix + "bias";
            conv.Output[0] = bn.Output[0];
            removed.Add(bn);
        }
        var kept = graph.Node.Where(n => !removed.Contains(n)).ToList();
        graph.Node.Clear();
        graph.Node.Add(kept);
        RemoveUnread(graph);
        return copy;
    }

    /// <summary>The activations whose ranges calibration must observe (names in <paramref name="folded"/>).</summary>
    public static IReadOnlyList<string> CalibrationTensors(ModelProto folded)
    {
        var (quantized, shared, _) = Plan(folded.Graph);
        return quantized.Where(t => !shared.ContainsKey(t)).ToList();
    }

    /// <summary>A copy of <paramref name="model"/> that also outputs <paramref name="tensors"/> (for
    /// calibration).</summary>
    public static ModelProto WithOutputs(ModelProto model, IEnumerable<string> tensors)
    {
        ModelProto copy = model.Clone();
        AddOutputs(copy, tensors);
        return copy;
    }

    /// <summary>Makes <paramref name="tensors"/> outputs of <paramref name="model"/> itself (a backbone's graph is tens
    /// of MB: no copy).</summary>
    public static void AddOutputs(ModelProto model, IEnumerable<string> tensors)
    {
        var present = model.Graph.Output.Select(o => o.Name).ToHashSet();
        foreach (string name in tensors.Where(present.Add))
            model.Graph.Output.Add(
                new ValueInfoProto
                {
                    Name = name,
                    Type = new TypeProto
                    {
                        TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float },
                    },
                }
            );
    }

    /// <summary>The QDQ graph of <paramref name="folded"/> given each calibration tensor's observed range, weights on
    /// <paramref name="weightLevels"/> levels each side (127, or 63: see <see cref="MachineWeightLevels"/>).</summary>
    public static ModelProto Quantize(
        ModelProto folded,
        IReadOnlyDictionary<string, ActivationRange> ranges,
        int weightLevels
    )
    {
        if (weightLevels is < 1 or > 127)
            throw new ArgumentOutOfRangeException(nameof(weightLevels), weightLevels, "expected 1..127 levels");
        ModelProto copy = folded.Clone();
        GraphProto graph = copy.Graph;
        var (quantized, shared, absorbed) = Plan(graph);
        long opset = OnnxImporter.DefaultOpset(copy, 13);
        // Per-channel DequantizeLinear is opset 13; older graphs use ONNX Runtime's own Q/DQ (same semantics), so that
        // none of their other ops changes meaning. The fused integer convolution needs opset 10.
        string domain = opset >= 13 ? "" : MicrosoftDomain;
        if (domain == MicrosoftDomain && copy.OpsetImport.All(o => o.Domain != MicrosoftDomain))
            copy.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        if (opset < 10)
            RaiseToOpset10(copy);
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var parameters = new Dictionary<string, (float Scale, byte ZeroPoint)>();
        foreach (string tensor in quantized)
        {
            string root = shared.GetValueOrDefault(tensor, tensor);
            if (!ranges.TryGetValue(root, out ActivationRange? range))
                throw new InvalidOperationException($"No calibrated range for the tensor '{root}'.");
            parameters[tensor] = UnsignedParameters(range);
        }
        var nodes = new List<NodeProto>();
        void AddQdq(string tensor)
        {
            var (scale, zeroPoint) = parameters[tensor];
            graph.Initializer.Add(FloatTensor(tensor + "_scale", [scale], []));
            graph.Initializer.Add(Raw(tensor + "_zero_point", TensorProto.Types.DataType.Uint8, [], [zeroPoint]));
            nodes.Add(QdqNode("QuantizeLinear", domain, tensor, tensor + "_quantized", tensor, null));
            nodes.Add(QdqNode("DequantizeLinear", domain, tensor + "_quantized", tensor + "_dq", tensor, null));
        }
        foreach (ValueInfoProto input in graph.Input.Where(i => quantized.Contains(i.Name)))
            AddQdq(input.Name);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            if (absorbed.ContainsValue(i))
                continue;
            NodeProto node = graph.Node[i].Clone();
            if (absorbed.TryGetValue(i, out int activation))
                node.Output[0] = graph.Node[activation].Output[0];
            bool constantConv = IsConstantConv(node, initializers);
            string activationInput = node.Input.Count > 0 ? node.Input[0] : "";
            for (int k = 0; k < node.Input.Count; k++)
                if (quantized.Contains(node.Input[k]))
                    node.Input[k] = node.Input[k] + "_dq";
            if (constantConv && quantized.Contains(activationInput))
                QuantizeConvParameters(
                    node,
                    i,
                    parameters[activationInput].Scale,
                    weightLevels,
                    initializers,
                    graph,
                    nodes,
                    domain
                );
            nodes.Add(node);
            foreach (string output in node.Output.Where(quantized.Contains))
                AddQdq(output);
        }
        graph.Node.Clear();
        graph.Node.Add(nodes);
        RemoveUnread(graph);
        return copy;
    }

    // Ops whose meaning is the same at opsets 7-9 and 10 (BatchNormalization once its 'spatial' attribute, removed in
    // 9, is dropped where it is the default).
    private static readonly HashSet<string> sameAtOpset10 =
    [
        "Conv",
        "Relu",
        "Add",
        "Sub",
        "Mul",
        "Div",
        "Sum",
        "MaxPool",
        "AveragePool",
        "GlobalAveragePool",
        "GlobalMaxPool",
        "BatchNormalization",
        "Concat",
        "Flatten",
        "Gemm",
        "MatMul",
        "Reshape",
        "Clip",
        "Sigmoid",
        "LeakyRelu",
        "Softmax",
        "Transpose",
        "Identity",
        "Pad",
        "Constant",
        "Shape",
        "Gather",
        "Unsqueeze",
        "Squeeze",
        "QuantizeLinear",
        "DequantizeLinear",
    ];

    /// <summary>Raises an opset 7-9 graph to opset 10 in place, refusing by name an op whose meaning changes
    /// there.</summary>
    internal static void RaiseToOpset10(ModelProto model)
    {
        long version = model.OpsetImport.First(o => o.Domain is "" or "ai.onnx").Version;
        if (version < 7)
            throw new NotSupportedException(
                $"int8 quantisation needs opset 10, and this graph's opset {version} predates the ops' opset-7 forms."
            );
        foreach (NodeProto node in model.Graph.Node.Where(n => n.Domain is "" or "ai.onnx"))
        {
            AttributeProto? spatial = node.Attribute.FirstOrDefault(a => a.Name == "spatial");
            if (!sameAtOpset10.Contains(node.OpType) || spatial is { I: not 1 })
                throw new NotSupportedException(
                    $"int8 quantisation needs opset 10 and node '{node.Name}' ({node.OpType}) of this opset "
                        + $"{version} graph may change meaning there."
                );
            if (spatial is not null)
                node.Attribute.Remove(spatial);
        }
        foreach (OperatorSetIdProto import in model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx"))
            import.Version = 10;
    }

    // Which tensors get a QuantizeLinear/DequantizeLinear pair: the activation input and the output of every
    // convolution with constant weights, the output of an Add of two quantised tensors, and a MaxPool's output (with
    // its input's parameters); which ReLU nodes (value) are dropped after which producers (key).
    private static (HashSet<string> Quantized, Dictionary<string, string> Shared, Dictionary<int, int> Absorbed) Plan(
        GraphProto graph
    )
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var readers = Readers(graph);
        var outputs = graph.Output.Select(o => o.Name).ToHashSet();
        var nodeIndex = new Dictionary<NodeProto, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < graph.Node.Count; i++)
            nodeIndex[graph.Node[i]] = i;
        var quantized = new HashSet<string>();
        var shared = new Dictionary<string, string>();
        var absorbed = new Dictionary<int, int>();
        string OutputAfterRelu(int i)
        {
            string output = graph.Node[i].Output[0];
            if (
                outputs.Contains(output)
                || readers[output] is not [var reader]
                || !IsRelu(reader, initializers)
                || outputs.Contains(reader.Output[0])
            )
                return output;
            absorbed[i] = nodeIndex[reader];
            return reader.Output[0];
        }
        // An Add whose result only fp32 ops read (the last block's, before the global pooling) stays fp32: one
        // rounding less on the features, for no integer kernel lost.
        bool ReadByIntegerOp(int i)
        {
            string output = graph.Node[i].Output[0];
            if (readers[output] is [var reader] && IsRelu(reader, initializers))
                output = reader.Output[0];
            return readers[output].Any(r => IsConstantConv(r, initializers) || r.OpType is "Add" or "MaxPool");
        }
        for (int i = 0; i < graph.Node.Count; i++)
        {
            NodeProto node = graph.Node[i];
            if (absorbed.ContainsValue(i) || node.Output.Count != 1)
                continue;
            if (IsConstantConv(node, initializers) && !initializers.ContainsKey(node.Input[0]))
            {
                quantized.Add(node.Input[0]);
                quantized.Add(OutputAfterRelu(i));
            }
            else if (
                node.OpType == "Add"
                && node.Input.Count == 2
                && node.Input.All(quantized.Contains)
                && ReadByIntegerOp(i)
            )
                quantized.Add(OutputAfterRelu(i));
            else if (node.OpType == "MaxPool" && quantized.Contains(node.Input[0]))
            {
                shared[node.Output[0]] = shared.GetValueOrDefault(node.Input[0], node.Input[0]);
                quantized.Add(node.Output[0]);
            }
        }
        return (quantized, shared, absorbed);
    }

    // Weights int8 per output channel (symmetric, `levels` levels each side), bias int32 at the input's scale times the
    // channel's: the form ONNX Runtime's QDQ fusion turns into an integer convolution.
    private static void QuantizeConvParameters(
        NodeProto conv,
        int index,
        float inputScale,
        int levels,
        Dictionary<string, TensorProto> initializers,
        GraphProto graph,
        List<NodeProto> nodes,
        string domain
    )
    {
        TensorProto weightProto = initializers[conv.Input[1]];
        float[] weight = Floats(weightProto);
        int channels = (int)weightProto.Dims[0];
        int perChannel = weight.Length / channels;
        var scales = new float[channels];
        var quantizedWeight = new byte[weight.Length];
        for (int c = 0; c < channels; c++)
        {
            float max = 0;
            for (int k = 0; k < perChannel; k++)
                max = MathF.Max(max, MathF.Abs(weight[c * perChannel + k]));
            scales[c] = max > 0 ? max / levels : 1f;
            for (int k = 0; k < perChannel; k++)
            {
                int q = (int)MathF.Round(weight[c * perChannel + k] / scales[c], MidpointRounding.ToEven);
                quantizedWeight[c * perChannel + k] = unchecked((byte)(sbyte)Math.Clamp(q, -levels, levels));
            }
        }
        string prefix = $"qconv{index}_";
        graph.Initializer.Add(
            Raw(prefix + "weight_quantized", TensorProto.Types.DataType.Int8, weightProto.Dims, quantizedWeight)
        );
        graph.Initializer.Add(FloatTensor(prefix + "weight_scale", scales, [channels]));
        graph.Initializer.Add(
            Raw(prefix + "weight_zero_point", TensorProto.Types.DataType.Int8, [channels], new byte[channels])
        );
        nodes.Add(
            QdqNode("DequantizeLinear", domain, prefix + "weight_quantized", prefix + "weight", prefix + "weight", 0)
        );
        conv.Input[1] = prefix + "weight";
        if (conv.Input.Count < 3 || conv.Input[2] == "")
            return;
        float[] bias = Floats(initializers[conv.Input[2]]);
        var biasScales = new float[channels];
        var quantizedBias = new int[channels];
        for (int c = 0; c < channels; c++)
        {
            biasScales[c] = inputScale * scales[c];
            double q = Math.Round(bias[c] / (double)biasScales[c], MidpointRounding.ToEven);
            // A bias int32 cannot hold at this scale (a near-constant input) stays fp32: that convolution then runs
            // unfused, and right.
            if (q is < int.MinValue or > int.MaxValue || double.IsNaN(q))
                return;
            quantizedBias[c] = (int)q;
        }
        graph.Initializer.Add(
            Raw(
                prefix + "bias_quantized",
                TensorProto.Types.DataType.Int32,
                [channels],
                MemoryMarshal.AsBytes<int>(quantizedBias)
            )
        );
        graph.Initializer.Add(FloatTensor(prefix + "bias_scale", biasScales, [channels]));
        graph.Initializer.Add(
            Raw(
                prefix + "bias_zero_point",
                TensorProto.Types.DataType.Int32,
                [channels],
                new byte[channels * sizeof(int)]
            )
        );
        nodes.Add(QdqNode("DequantizeLinear", domain, prefix + "bias_quantized", prefix + "bias", prefix + "bias", 0));
        conv.Input[2] = prefix + "bias";
    }

    // uint8 with the range widened to hold 0 (so that zero, the padding value, is exact).
    internal static (float Scale, byte ZeroPoint) UnsignedParameters(ActivationRange range)
    {
        float min = MathF.Min(0, range.Min),
            max = MathF.Max(0, range.Max);
        if (max - min < 1e-12f)
            return (1f, 0);
        float scale = (max - min) / 255f;
        return (scale, (byte)Math.Clamp(MathF.Round(-min / scale), 0, 255));
    }

    private static NodeProto QdqNode(
        string op,
        string domain,
        string input,
        string output,
        string parameters,
        int? axis
    )
    {
        var node = new NodeProto
        {
            OpType = op,
            Domain = domain,
            Name = $"{output}_{op}",
            Input = { input, parameters + "_scale", parameters + "_zero_point" },
            Output = { output },
        };
        if (axis is int a)
            node.Attribute.Add(
                new AttributeProto
                {
                    Name = "axis",
                    Type = AttributeProto.Types.AttributeType.Int,
                    I = a,
                }
            );
        return node;
    }

    private static bool IsConstantConv(NodeProto node, Dictionary<string, TensorProto> initializers) =>
        node.OpType == "Conv"
        && node.Output.Count == 1
        && node.Input.Count >= 2
        && initializers.TryGetValue(node.Input[1], out TensorProto? w)
        && w.DataType == (int)TensorProto.Types.DataType.Float
        && (node.Input.Count < 3 || node.Input[2] == "" || initializers.ContainsKey(node.Input[2]));

    // Relu, or Clip whose lower bound is 0 (an attribute before opset 11, a constant input after): both are the
    // clamp a zero point of 0 applies when the range starts at 0.
    private static bool IsRelu(NodeProto node, Dictionary<string, TensorProto> initializers)
    {
        if (node.OpType == "Relu")
            return true;
        if (node.OpType != "Clip")
            return false;
        if (node.Attribute.FirstOrDefault(a => a.Name == "min") is { } min)
            return min.F == 0;
        return node.Input.Count > 1
            && initializers.TryGetValue(node.Input[1], out TensorProto? bound)
            && Floats(bound) is [0f];
    }

    private static Dictionary<string, List<NodeProto>> Readers(GraphProto graph)
    {
        var readers = new Dictionary<string, List<NodeProto>>();
        foreach (NodeProto node in graph.Node)
        foreach (string tensor in node.Output.Concat(node.Input))
            readers.TryAdd(tensor, []);
        foreach (ValueInfoProto input in graph.Input)
            readers.TryAdd(input.Name, []);
        foreach (NodeProto node in graph.Node)
        foreach (string input in node.Input.Where(i => i != ""))
            readers[input].Add(node);
        return readers;
    }

    /// <summary>Removes the initializers no node reads.</summary>
    internal static void RemoveUnread(GraphProto graph)
    {
        var read = graph.Node.SelectMany(n => n.Input).ToHashSet();
        foreach (TensorProto unused in graph.Initializer.Where(t => !read.Contains(t.Name)).ToList())
            graph.Initializer.Remove(unused);
    }

    private static TensorProto Raw(
        string name,
        TensorProto.Types.DataType type,
        IEnumerable<long> dims,
        ReadOnlySpan<byte> bytes
    ) =>
        new()
        {
            Name = name,
            DataType = (int)type,
            Dims = { dims },
            RawData = ByteString.CopyFrom(bytes),
        };

    private static float[] Floats(TensorProto proto) => OnnxImporter.Values(proto, proto.FloatData);

    private static TensorProto FloatTensor(string name, float[] values, IEnumerable<long> dims) =>
        Raw(name, TensorProto.Types.DataType.Float, dims, MemoryMarshal.AsBytes<float>(values));
}
