using System.Text.Json;
using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TransferSharp.Adapters;
using TransferSharp.Data;

namespace TransferSharp.Runs;

/// <summary>
/// A trained model loaded once to classify images, for services: thread-safe, typed results. It runs the exported ONNX
/// pipeline (<see cref="ModelExport"/>) on ONNX Runtime; concurrent callers' images are batched into one run while the
/// previous batch computes, so throughput grows with the callers. Load a run folder or an exported file.
/// </summary>
public sealed class ImageClassifier : IDisposable
{
    private readonly InferenceSession session;
    private readonly Channel<Request> queue = Channel.CreateUnbounded<Request>(new() { SingleReader = true });
    private readonly Task worker;
    private readonly int maxBatch;

    private ImageClassifier(byte[] onnx, int maxBatch)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        options.IntraOpNumThreads = Environment.ProcessorCount;
        session = new InferenceSession(onnx, options);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Labels = JsonSerializer.Deserialize<string[]>(metadata["labels"]) ?? Array.Empty<string>();
        int[] dims = session.InputMetadata[ModelExport.InputName].Dimensions;
        (Channels, InputSize) = (dims[1], dims[3]);
        RawChannels = metadata.GetValueOrDefault("transfersharp.input_kind") == ModelExport.ChannelsKind;
        if (RawChannels)
            Engine.TorchRuntime.EnsureLoaded(); // arrays are resized as the channel pipeline resizes them
        this.maxBatch = maxBatch;
        worker = Task.Run(Work);
    }

    /// <summary>The class names, by index.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The input size images are resized to.</summary>
    public int InputSize { get; }

    /// <summary>The channels the model reads.</summary>
    public int Channels { get; }

    /// <summary>Whether the model reads raw multichannel arrays (.npy, TIFF) rather than 8-bit images.</summary>
    public bool RawChannels { get; }

    /// <summary>Loads a run folder (written by fit) or an ONNX file written by <see cref="ModelExport"/>.</summary>
    public static ImageClassifier Load(string runFolderOrOnnx, int maxBatch = 32)
    {
        if (File.Exists(runFolderOrOnnx))
            return new ImageClassifier(File.ReadAllBytes(runFolderOrOnnx), maxBatch);
        using SavedModel model = SavedModel.Load(runFolderOrOnnx);
        return new ImageClassifier(ModelExport.Build(model).ToByteArray(), maxBatch);
    }

    /// <summary>Classifies an image file (or a .npy / TIFF array for a multichannel model).</summary>
    public ClassPrediction Predict(string path) => Predict(DatasetLoader.SourceFor(path));

    /// <summary>Classifies an encoded image (PNG, JPEG, BMP, GIF, WebP bytes).</summary>
    public ClassPrediction Predict(byte[] encoded) => Predict(new EncodedImageSource(encoded));

    /// <summary>Classifies an image from any source; errors name it.</summary>
    public ClassPrediction Predict(IImageSource source) => PredictAsync(source).GetAwaiter().GetResult();

    /// <summary>Classifies an image, batched with other callers' images.</summary>
    public async Task<ClassPrediction> PredictAsync(IImageSource source, CancellationToken cancellation = default)
    {
        var request = new Request(Input(source), new(TaskCreationOptions.RunContinuationsAsynchronously));
        await queue.Writer.WriteAsync(request, cancellation);
        return await request.Result.Task.WaitAsync(cancellation);
    }

    /// <summary>Classifies images already at the input size: <paramref name="pixels"/> is [count, C, S, S] in the
    /// model's input units (raw 0..255 R, G, B, or the arrays' own values).</summary>
    public IReadOnlyList<ClassPrediction> Predict(float[] pixels, int count)
    {
        int plane = Channels * InputSize * InputSize;
        if (pixels.Length != count * plane)
            throw new ArgumentException(
                $"expected {count} x {Channels} x {InputSize} x {InputSize} values, got {pixels.Length}."
            );
        return Run(pixels, count);
    }

    /// <summary>Stops the batching worker and releases the session.</summary>
    public void Dispose()
    {
        queue.Writer.TryComplete();
        worker.GetAwaiter().GetResult();
        session.Dispose();
    }

    /// <summary>The model's input for one image: resized as predict resizes it, channels-first floats.</summary>
    private float[] Input(IImageSource source)
    {
        if (RawChannels)
        {
            ChannelImage array = ChannelInput.Read(source);
            if (array.Channels != Channels)
                throw new DataException(
                    $"{source.Id}: {array.Channels} channel(s), but the model reads {Channels}.",
                    source.Id
                );
            using var resized = ChannelInput.Resize(array, InputSize);
            return resized.data<float>().ToArray();
        }
        RawImage image = Training.ImageBatcher.LoadResized(source, InputSize);
        int size = InputSize * InputSize;
        var planes = new float[3 * size];
        for (int c = 0; c < 3; c++)
        for (int p = 0; p < size; p++)
            planes[c * size + p] = image.Pixels[p * image.Channels + Math.Min(c, image.Channels - 1)];
        return planes;
    }

    /// <summary>Takes what callers have queued (up to the batch limit) and runs it as one batch.</summary>
    private async Task Work()
    {
        var batch = new List<Request>();
        while (await queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < maxBatch && queue.Reader.TryRead(out Request? request))
                batch.Add(request);
            try
            {
                var results = Run(batch.SelectMany(r => r.Input).ToArray(), batch.Count);
                for (int i = 0; i < batch.Count; i++)
                    batch[i].Result.SetResult(results[i]);
            }
            catch (Exception e)
            {
                foreach (Request request in batch)
                    request.Result.TrySetException(e);
            }
        }
    }

    private IReadOnlyList<ClassPrediction> Run(float[] pixels, int count)
    {
        var input = new DenseTensor<float>(pixels, new[] { count, Channels, InputSize, InputSize });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(ModelExport.InputName, input) });
        float[] probabilities = results.First().AsTensor<float>().ToArray();
        int k = Labels.Count;
        return Enumerable.Range(0, count).Select(r => Prediction(probabilities.AsSpan(r * k, k))).ToList();
    }

    private ClassPrediction Prediction(ReadOnlySpan<float> row)
    {
        int best = 0;
        var byName = new Dictionary<string, float>(Labels.Count);
        for (int c = 0; c < row.Length; c++)
        {
            byName[Labels[c]] = row[c];
            if (row[c] > row[best])
                best = c;
        }
        return new ClassPrediction(Labels[best], best, row[best], byName);
    }

    private sealed record Request(float[] Input, TaskCompletionSource<ClassPrediction> Result);
}
