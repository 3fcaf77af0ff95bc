using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using Tensor = TorchSharp.torch.Tensor;

namespace TransferSharp.Backbones;

/// <summary>
/// The frozen backbone run by ONNX Runtime instead of TorchSharp: the same ONNX file, rewritten the way the importer
/// adapted it (<see cref="OnnxSizeAgnostic"/>), so that outputs agree with the imported module (tested) at every input
/// size. Valid only while the imported module still holds the file's weights: <see cref="Backbone.IsPristine"/>.
/// Intermediate feature layers come out as the groups' maps and are pooled here as the module pools them.
/// </summary>
public sealed class OnnxRuntimePass : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly string inputName;
    private readonly int width;
    private readonly string[] featureOutputs; // one per feature layer, in network order
    private readonly bool[] pooled; // true: the network's pooled output; false: a group's map, pooled here

    private OnnxRuntimePass(InferenceSession session, int width, string[] outputs, bool[] pooled)
    {
        this.session = session;
        inputName = session.InputMetadata.Keys.First();
        this.width = width;
        featureOutputs = outputs;
        this.pooled = pooled;
    }

    /// <summary>Builds the session for <paramref name="backbone"/>'s feature layers (its file must be the one the
    /// module was imported from, unmodified).</summary>
    public static OnnxRuntimePass Create(Backbone backbone)
    {
        var (model, outputs, pooled) = ForFeatureLayers(Rewritten(backbone), backbone);
        return new(NewSession(model.ToByteArray()), backbone.FeatureWidth, outputs, pooled);
    }

    // The graph cut to what the feature layers need: the network's pooled output for the last group, every other
    // group's output map; nodes no output needs are dropped.
    private static (ModelProto Model, string[] Outputs, bool[] Pooled) ForFeatureLayers(
        ModelProto rewritten,
        Backbone backbone
    )
    {
        string final = rewritten.Graph.Output[0].Name;
        if (backbone.FinalFeaturesOnly)
            return (rewritten, [final], [true]);
        var names = backbone.Network.Groups.Select(g => g.Name).ToList();
        IReadOnlyDictionary<int, string> groupOutputs = backbone.Network.GroupOutputs;
        var produced = rewritten.Graph.Node.SelectMany(n => n.Output).ToHashSet();
        var outputs = new string[backbone.FeatureLayers.Count];
        var pooled = new bool[outputs.Length];
        for (int j = 0; j < outputs.Length; j++)
        {
            int g = names.IndexOf(backbone.FeatureLayers[j]);
            pooled[j] = g == names.Count - 1;
            outputs[j] =
                pooled[j] ? final
                : groupOutputs.TryGetValue(g, out string? tensor) && produced.Contains(tensor) ? tensor
                : throw new NotSupportedException(
                    $"layer group {names[g]}'s output is not one tensor of the file's graph."
                );
        }
        // The rewritten graph is this pass's own copy: cut in place.
        OnnxQuantizer.AddOutputs(rewritten, outputs);
        var wanted = outputs.ToHashSet();
        foreach (ValueInfoProto unused in rewritten.Graph.Output.Where(o => !wanted.Contains(o.Name)).ToList())
            rewritten.Graph.Output.Remove(unused);
        KeepNodesFor(rewritten.Graph, outputs);
        return (rewritten, outputs, pooled);
    }

    // Drops the nodes (and initializers) that no output depends on; nodes are in topological order, as ONNX
    // requires.
    private static void KeepNodesFor(GraphProto graph, IEnumerable<string> outputs)
    {
        var needed = outputs.ToHashSet();
        var kept = new List<NodeProto>();
        for (int i = graph.Node.Count - 1; i >= 0; i--)
        {
            NodeProto node = graph.Node[i];
            if (!node.Output.Any(needed.Contains))
                continue;
            kept.Add(node);
            needed.UnionWith(node.Input);
        }
        kept.Reverse();
        graph.Node.Clear();
        graph.Node.Add(kept);
        OnnxQuantizer.RemoveUnread(graph);
    }

    /// <summary>The int8 session of <paramref name="backbone"/> (<see cref="OnnxQuantizer"/>) given the activation
    /// ranges <see cref="Calibrate"/> observed, to its feature layers; weights on <paramref name="weightLevels"/>
    /// levels each side (default: <see cref="OnnxQuantizer.MachineWeightLevels"/>).</summary>
    public static OnnxRuntimePass CreateQuantized(
        Backbone backbone,
        IReadOnlyDictionary<string, ActivationRange> ranges,
        int? weightLevels = null
    )
    {
        var (folded, outputs, pooled) = FoldedForFeatureLayers(backbone);
        byte[] model = OnnxQuantizer
            .Quantize(folded, ranges, weightLevels ?? OnnxQuantizer.MachineWeightLevels)
            .ToByteArray();
        return new(NewSession(model), backbone.FeatureWidth, outputs, pooled);
    }

    /// <summary>The int8 (QDQ) graph of <paramref name="backbone"/> with <paramref name="ranges"/>, ending at its
    /// feature layers' tensors (the last group's: the network's output).</summary>
    internal static ModelProto QuantizedModel(
        Backbone backbone,
        IReadOnlyDictionary<string, ActivationRange> ranges,
        int? weightLevels = null
    ) =>
        OnnxQuantizer.Quantize(
            FoldedForFeatureLayers(backbone).Model,
            ranges,
            weightLevels ?? OnnxQuantizer.MachineWeightLevels
        );

    // The graph cut to the feature layers, every BatchNormalization folded (what calibration and int8 both run).
    private static (ModelProto Model, string[] Outputs, bool[] Pooled) FoldedForFeatureLayers(Backbone backbone)
    {
        var (model, outputs, pooled) = ForFeatureLayers(Rewritten(backbone), backbone);
        return (OnnxQuantizer.FoldBatchNorms(model), outputs, pooled);
    }

    /// <summary>The range of every activation the int8 graph quantises, over <paramref name="batches"/> (normalised
    /// CPU batches [N, 3, S, S]) run in fp32, the ranges from the first <paramref name="observedImages"/> only;
    /// each image's fp32 features (pooled as <see cref="Features"/> pools them) are added to <paramref
    /// name="features"/> when given.</summary>
    public static Dictionary<string, ActivationRange> Calibrate(
        Backbone backbone,
        IEnumerable<Tensor> batches,
        List<float[]>? features = null,
        int observedImages = int.MaxValue
    )
    {
        var (folded, featureOutputs, pooled) = FoldedForFeatureLayers(backbone);
        IReadOnlyList<string> tensors = OnnxQuantizer.CalibrationTensors(folded);
        OnnxQuantizer.AddOutputs(folded, tensors); // folded is this call's own copy
        using var pass = new OnnxRuntimePass(
            NewSession(folded.ToByteArray()),
            backbone.FeatureWidth,
            featureOutputs,
            pooled
        );
        var ranges = tensors.ToDictionary(t => t, _ => (Min: float.PositiveInfinity, Max: float.NegativeInfinity));
        string[] outputs = [.. featureOutputs, .. tensors.Where(t => !featureOutputs.Contains(t))];
        var maps = new Tensor[featureOutputs.Length];
        int seen = 0;
        bool observing = true;
        void Read(int index, ReadOnlySpan<float> values, long[] shape)
        {
            if (index < maps.Length && features is not null)
                maps[index] = TorchSharp.torch.tensor(values.ToArray(), shape);
            if (!observing || !ranges.TryGetValue(outputs[index], out var range))
                return;
            var (min, max) = MinMax(values);
            ranges[outputs[index]] = (MathF.Min(range.Min, min), MathF.Max(range.Max, max));
        }
        // A few images per run: every intermediate activation of a run comes back at once.
        foreach (Tensor batch in batches)
        foreach (Tensor chunk in batch.split(CalibrationChunk))
            using (chunk)
            using (var scope = TorchSharp.torch.NewDisposeScope())
            {
                observing = seen < observedImages;
                pass.Run(chunk, outputs, Read);
                seen += (int)chunk.shape[0];
                if (features is null)
                    continue;
                float[] rows = pass.Pool(maps, [backbone.FeatureGrid])[0];
                int width = rows.Length / (int)chunk.shape[0];
                for (int i = 0; i + width <= rows.Length; i += width)
                    features.Add(rows.AsSpan(i, width).ToArray());
            }
        return ranges.ToDictionary(p => p.Key, p => new ActivationRange(p.Value.Min, p.Value.Max));
    }

    private static (float Min, float Max) MinMax(ReadOnlySpan<float> values)
    {
        var min = new System.Numerics.Vector<float>(float.PositiveInfinity);
        var max = new System.Numerics.Vector<float>(float.NegativeInfinity);
        int width = System.Numerics.Vector<float>.Count,
            i = 0;
        for (; i + width <= values.Length; i += width)
        {
            var v = new System.Numerics.Vector<float>(values.Slice(i, width));
            min = System.Numerics.Vector.Min(min, v);
            max = System.Numerics.Vector.Max(max, v);
        }
        float lo = float.PositiveInfinity,
            hi = float.NegativeInfinity;
        for (int k = 0; k < width; k++)
        {
            lo = MathF.Min(lo, min[k]);
            hi = MathF.Max(hi, max[k]);
        }
        for (; i < values.Length; i++)
        {
            lo = MathF.Min(lo, values[i]);
            hi = MathF.Max(hi, values[i]);
        }
        return (lo, hi);
    }

    private const long CalibrationChunk = 4;

    private static ModelProto Rewritten(Backbone backbone) =>
        OnnxSizeAgnostic.Rewrite(OnnxImporter.ReadModel(backbone.WeightsPath), backbone.Network);

    private static InferenceSession NewSession(byte[] model)
    {
        // ONNX Runtime's default here is one intra-op thread: use every core.
        int intraOp = Math.Max(1, Environment.ProcessorCount);
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOp,
        };
        // Decoding runs on other threads while a batch is in the backbone: worker threads that spin when idle would
        // steal its cores.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (Environment.GetEnvironmentVariable("TRANSFERSHARP_ORT_OPTIMIZED_MODEL") is { Length: > 0 } dump)
            options.OptimizedModelFilePath = dump;
        return new InferenceSession(model, options);
    }

    /// <summary>Pooled features [N * width] (row-major) of a normalised CPU batch [N, 3, S, S]; intermediate groups
    /// pooled on a <paramref name="grid"/> x grid grid.</summary>
    public float[] Features(Tensor normalized, int grid = 1)
    {
        if (featureOutputs.Length > 1 || !pooled[0])
            return FeaturesAtGrids(normalized, [grid])[0];
        long images = normalized.shape[0];
        float[] output = [];
        Run(normalized, featureOutputs, (_, values, _) => output = values.ToArray());
        if (output.Length != images * width)
            throw new InvalidOperationException(
                $"ONNX Runtime returned {output.Length} values for {images} images of width {width}."
            );
        return output;
    }

    /// <summary>The features of a normalised CPU batch pooled at each of <paramref name="grids"/> (intermediate
    /// groups only; the last group keeps the network's pooling), from one run: [grid][N * width at that
    /// grid].</summary>
    public float[][] FeaturesAtGrids(Tensor normalized, IReadOnlyList<int> grids)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var maps = new Tensor[featureOutputs.Length];
        Run(
            normalized,
            featureOutputs,
            (j, values, shape) => maps[j] = TorchSharp.torch.tensor(values.ToArray(), shape)
        );
        return Pool(maps, grids);
    }

    // The module's pooling (OnnxGraphModule.PooledGroupOutputs) of the feature outputs ONNX Runtime computed, at each
    // grid: [grid][N * width at that grid].
    private float[][] Pool(Tensor[] maps, IReadOnlyList<int> grids)
    {
        Tensor PoolOne(int j, int grid) => pooled[j] ? maps[j].flatten(1) : OnnxGraphModule.PoolMap(maps[j], grid);
        return grids
            .Select(grid =>
                TorchSharp
                    .torch.cat(Enumerable.Range(0, maps.Length).Select(j => PoolOne(j, grid)).ToArray(), 1)
                    .data<float>()
                    .ToArray()
            )
            .ToArray();
    }

    // Runs a batch and hands each requested output's values and shape (by index) to the reader while ONNX Runtime
    // still holds them.
    private unsafe void Run(
        Tensor normalized,
        IReadOnlyList<string> outputNames,
        Action<int, ReadOnlySpan<float>, long[]> read
    )
    {
        long[] shape = normalized.shape;
        using Tensor contiguous = normalized.cpu().to(TorchSharp.torch.ScalarType.Float32).contiguous();
        // ONNX Runtime reads the batch where libtorch holds it: no managed copy of a batch of images.
        fixed (byte* data = contiguous.bytes)
        {
            using var input = OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance,
                TensorElementType.Float,
                shape,
                (IntPtr)data,
                contiguous.numel() * sizeof(float)
            );
            using var outputs = session.Run(runOptions, new[] { inputName }, new[] { input }, outputNames.ToArray());
            for (int i = 0; i < outputNames.Count; i++)
                read(i, outputs[i].GetTensorDataAsSpan<float>(), outputs[i].GetTensorTypeAndShape().Shape);
        }
    }

    /// <summary>Releases the session.</summary>
    public void Dispose()
    {
        session.Dispose();
        runOptions.Dispose();
    }

    /// <summary>A digest of every parameter and buffer of <paramref name="module"/> (values and shapes), to tell
    /// whether it still holds the file's weights.</summary>
    internal static string Fingerprint(OnnxGraphModule module)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(BitConverter.GetBytes(module.Nodes.Count));
        foreach (
            var (name, tensor) in module
                .named_parameters()
                .Select(p => (p.name, (Tensor)p.parameter))
                .Concat(module.named_buffers())
        )
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
            foreach (long d in tensor.shape)
                hash.AppendData(BitConverter.GetBytes(d));
            using Tensor cpuCopy = tensor.detach().cpu().contiguous();
            hash.AppendData(cpuCopy.bytes);
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
