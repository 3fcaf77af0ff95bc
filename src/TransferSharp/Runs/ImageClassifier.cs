using System.Collections.Concurrent;
using System.Text.Json;
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

    // Blocking primitives, not tasks: a caller waiting on a batch must not need a thread-pool thread to wake up, or
    // many
    // synchronous callers on few cores starve the pool.
    private readonly BlockingCollection<Request> queue = new();
    private readonly Thread worker;
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
        worker = new Thread(Work) { IsBackground = true, Name = "TransferSharp classifier" };
        worker.Start();
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

    /// <summary>Classifies an image from any source, batched with other callers' images; errors name it.</summary>
    public ClassPrediction Predict(IImageSource source)
    {
        using var request = new Request(Input(source));
        queue.Add(request);
        request.Done.Wait();
        return request.Result ?? throw request.Error!;
    }

    /// <summary>Classifies an image without blocking the caller's thread.</summary>
    public Task<ClassPrediction> PredictAsync(IImageSource source, CancellationToken cancellation = default) =>
        Task.Run(() => Predict(source), cancellation);

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
        queue.CompleteAdding();
        worker.Join();
        session.Dispose();
        queue.Dispose();
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
    private void Work()
    {
        var batch = new List<Request>();
        foreach (Request first in queue.GetConsumingEnumerable())
        {
            batch.Clear();
            batch.Add(first);
            while (batch.Count < maxBatch && queue.TryTake(out Request? next))
                batch.Add(next);
            try
            {
                var results = Run(batch.SelectMany(r => r.Input).ToArray(), batch.Count);
                for (int i = 0; i < batch.Count; i++)
                    batch[i].Result = results[i];
            }
            catch (Exception e)
            {
                foreach (Request request in batch)
                    request.Error = e;
            }
            foreach (Request request in batch)
                request.Done.Set();
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

    /// <summary>One caller's image, and where the worker leaves its answer.</summary>
    private sealed class Request(float[] input) : IDisposable
    {
        public float[] Input { get; } = input;
        public ManualResetEventSlim Done { get; } = new();
        public ClassPrediction? Result { get; set; }
        public Exception? Error { get; set; }

        public void Dispose() => Done.Dispose();
    }
}
