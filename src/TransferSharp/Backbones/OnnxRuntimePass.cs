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
/// </summary>
public sealed class OnnxRuntimePass : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly string inputName;
    private readonly int width;

    private OnnxRuntimePass(InferenceSession session, int width)
    {
        this.session = session;
        inputName = session.InputMetadata.Keys.First();
        this.width = width;
    }

    /// <summary>Builds the session for <paramref name="backbone"/> (its file must be the one the module was imported
    /// from, unmodified).</summary>
    public static OnnxRuntimePass Create(Backbone backbone) =>
        new(NewSession(Rewritten(backbone).ToByteArray()), backbone.FeatureWidth);

    /// <summary>The int8 session of <paramref name="backbone"/> (<see cref="OnnxQuantizer"/>) given the activation
    /// ranges <see cref="Calibrate"/> observed.</summary>
    public static OnnxRuntimePass CreateQuantized(
        Backbone backbone,
        IReadOnlyDictionary<string, ActivationRange> ranges
    ) => new(NewSession(QuantizedModel(backbone, ranges).ToByteArray()), backbone.FeatureWidth);

    /// <summary>The int8 (QDQ) graph of <paramref name="backbone"/> with <paramref name="ranges"/>.</summary>
    internal static ModelProto QuantizedModel(Backbone backbone, IReadOnlyDictionary<string, ActivationRange> ranges) =>
        OnnxQuantizer.Quantize(OnnxQuantizer.FoldBatchNorms(Rewritten(backbone)), ranges);

    /// <summary>The range of every activation the int8 graph quantises, over <paramref name="batches"/> (normalised
    /// CPU batches [N, 3, S, S]) run in fp32, the ranges from the first <paramref name="observedImages"/> only;
    /// each image's fp32 features are added to <paramref name="features"/> when given.</summary>
    public static Dictionary<string, ActivationRange> Calibrate(
        Backbone backbone,
        IEnumerable<Tensor> batches,
        List<float[]>? features = null,
        int observedImages = int.MaxValue
    )
    {
        ModelProto folded = OnnxQuantizer.FoldBatchNorms(Rewritten(backbone));
        IReadOnlyList<string> tensors = OnnxQuantizer.CalibrationTensors(folded);
        ModelProto observed = OnnxQuantizer.WithOutputs(folded, tensors);
        using var pass = new OnnxRuntimePass(NewSession(observed.ToByteArray()), backbone.FeatureWidth);
        string featureOutput = observed.Graph.Output[0].Name;
        var ranges = tensors.ToDictionary(t => t, _ => (Min: float.PositiveInfinity, Max: float.NegativeInfinity));
        string[] outputs = [featureOutput, .. tensors.Where(t => t != featureOutput)];
        int seen = 0;
        bool observing = true;
        void Read(string name, ReadOnlySpan<float> values)
        {
            if (name == featureOutput && features is not null)
                for (int i = 0; i + pass.width <= values.Length; i += pass.width)
                    features.Add(values.Slice(i, pass.width).ToArray());
            if (!observing || !ranges.TryGetValue(name, out var range))
                return;
            var (min, max) = MinMax(values);
            ranges[name] = (MathF.Min(range.Min, min), MathF.Max(range.Max, max));
        }
        // A few images per run: every intermediate activation of a run comes back at once.
        foreach (Tensor batch in batches)
        foreach (Tensor chunk in batch.split(CalibrationChunk))
            using (chunk)
            {
                observing = seen < observedImages;
                pass.Run(chunk, outputs, Read);
                seen += (int)chunk.shape[0];
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

    /// <summary>Pooled features [N * width] (row-major) of a normalised CPU batch [N, 3, S, S].</summary>
    public float[] Features(Tensor normalized)
    {
        long images = normalized.shape[0];
        float[] output = [];
        Run(normalized, [session.OutputNames[0]], (_, values) => output = values.ToArray());
        if (output.Length != images * width)
            throw new InvalidOperationException(
                $"ONNX Runtime returned {output.Length} values for {images} images of width {width}."
            );
        return output;
    }

    // Runs a batch and hands each requested output's values to the reader while ONNX Runtime still holds them.
    private unsafe void Run(
        Tensor normalized,
        IReadOnlyList<string> outputNames,
        Action<string, ReadOnlySpan<float>> read
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
                read(outputNames[i], outputs[i].GetTensorDataAsSpan<float>());
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
