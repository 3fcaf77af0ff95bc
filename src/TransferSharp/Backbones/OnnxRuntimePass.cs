using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
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
    public static OnnxRuntimePass Create(Backbone backbone)
    {
        byte[] model = OnnxSizeAgnostic
            .Rewrite(OnnxImporter.ReadModel(backbone.WeightsPath), backbone.Network)
            .ToByteArray();
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
        return new OnnxRuntimePass(new InferenceSession(model, options), backbone.FeatureWidth);
    }

    /// <summary>Pooled features [N * width] (row-major) of a normalised CPU batch [N, 3, S, S].</summary>
    public unsafe float[] Features(Tensor normalized)
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
            using var outputs = session.Run(runOptions, new[] { inputName }, new[] { input }, session.OutputNames);
            float[] output = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            if (output.Length != shape[0] * width)
                throw new InvalidOperationException(
                    $"ONNX Runtime returned {output.Length} values for {shape[0]} images of width {width}."
                );
            return output;
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
