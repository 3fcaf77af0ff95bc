using System.Diagnostics;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>Options of a frozen backbone pass.</summary>
public sealed record ExtractionOptions
{
    /// <summary>Images per backbone pass. Default 32.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Skip (and report) images that fail to decode instead of stopping. Default false.</summary>
    public bool SkipBad { get; init; }
    /// <summary>Extract features of horizontally mirrored images (for test-time augmentation). Default false.</summary>
    public bool Mirror { get; init; }
    /// <summary>The device the backbone runs on. Default CPU.</summary>
    public Device? Device { get; init; }
    /// <summary>Which engine runs the frozen backbone. Default <see cref="ExtractionEngine.Auto"/>.</summary>
    public ExtractionEngine Engine { get; init; } = ExtractionEngine.Auto;
}

/// <summary>The engine of a frozen backbone pass.</summary>
public enum ExtractionEngine
{
    /// <summary>ONNX Runtime on the CPU when the backbone is pristine (still the file's weights), TorchSharp otherwise.</summary>
    Auto,
    /// <summary>Always the imported TorchSharp module.</summary>
    Torch,
    /// <summary>Always ONNX Runtime (an error when the backbone was modified or the device is not the CPU).</summary>
    OnnxRuntime,
}

/// <summary>Backbone features of a list of images.</summary>
public sealed class FeatureSet
{
    internal FeatureSet(float[][] rows, int[] kept, List<BadImage> bad, int cacheHits, int computed, double seconds, string engine)
    {
        Rows = rows;
        Kept = kept;
        Bad = bad;
        CacheHits = cacheHits;
        Computed = computed;
        Seconds = seconds;
        Engine = engine;
    }

    /// <summary>"onnxruntime" or "torch": what ran the backbone ("none" when every vector came from the cache).</summary>
    public string Engine { get; }

    /// <summary>One feature vector per kept image.</summary>
    public float[][] Rows { get; }
    /// <summary>Positions (in the input list) of the images that have features.</summary>
    public int[] Kept { get; }
    /// <summary>Images that failed to decode and were skipped.</summary>
    public IReadOnlyList<BadImage> Bad { get; }
    /// <summary>How many vectors came from the cache.</summary>
    public int CacheHits { get; }
    /// <summary>How many went through the backbone.</summary>
    public int Computed { get; }
    /// <summary>Seconds spent.</summary>
    public double Seconds { get; }
    /// <summary>Images per second through the backbone (decode included), 0 when all were cached.</summary>
    public double ImagesPerSecond => Computed > 0 && Seconds > 0 ? Computed / Seconds : 0;

    /// <summary>The rows as a float tensor [N, width].</summary>
    public Tensor ToTensor()
    {
        int width = Rows.Length > 0 ? Rows[0].Length : 0;
        var flat = new float[Rows.Length * width];
        for (int i = 0; i < Rows.Length; i++) Rows[i].CopyTo(flat, i * width);
        return tensor(flat, new long[] { Rows.Length, width });
    }
}

/// <summary>
/// Runs the frozen backbone once per image (eval mode, no autograd) and caches the pooled features.
/// </summary>
public static class FeatureExtractor
{
    /// <summary>Features of <paramref name="sources"/>; cached vectors are reused, new ones added to <paramref name="cache"/>.</summary>
    public static FeatureSet Extract(Backbone backbone, IReadOnlyList<IImageSource> sources, FeatureCache cache, ExtractionOptions options,
        IProgressSink progress, string label)
    {
        var watch = Stopwatch.StartNew();
        var keys = new string[sources.Count];
        Parallel.For(0, sources.Count, i => keys[i] = FeatureCache.ContentKey(ReadContent(sources[i])));
        var rows = new float[sources.Count][];
        var missing = new List<int>();
        for (int i = 0; i < sources.Count; i++)
        {
            if (cache.TryGet(keys[i], out float[] cached)) rows[i] = cached;
            else missing.Add(i);
        }
        int hits = sources.Count - missing.Count;
        if (hits > 0) progress.Info($"{label}: {hits} of {sources.Count} images' features found in the cache" + (missing.Count == 0 ? "; extraction skipped." : "."));

        var bad = new List<BadImage>();
        string engine = "none";
        if (missing.Count > 0)
        {
            Device device = options.Device ?? CPU;
            OnnxRuntimePass? onnx = ChooseEngine(backbone, options, device);
            engine = onnx is null ? "torch" : "onnxruntime";
            backbone.Network.eval();
            using var task = progress.Begin($"{label}: extracting features", missing.Count);
            foreach (PixelBatch batch in ImageBatcher.Batches(sources, missing, backbone.InputSize, options.BatchSize, options.SkipBad, bad))
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                using Tensor pixels = batch.ToTensor();
                float[] values = onnx is not null
                    ? onnx.Features(backbone.Normalize(pixels, CPU, options.Mirror))
                    : backbone.Features(backbone.Normalize(pixels, device, options.Mirror)).cpu().data<float>().ToArray();
                int width = backbone.FeatureWidth;
                for (int k = 0; k < batch.Positions.Length; k++)
                {
                    int position = batch.Positions[k];
                    rows[position] = values.AsSpan(k * width, width).ToArray();
                    cache.Add(keys[position], rows[position]);
                }
                task.Advance(batch.Positions.Length);
            }
            cache.Flush();
        }
        var kept = Enumerable.Range(0, sources.Count).Where(i => rows[i] is not null).ToArray();
        return new FeatureSet(kept.Select(i => rows[i]).ToArray(), kept, bad, hits, missing.Count - bad.Count, watch.Elapsed.TotalSeconds, engine);
    }

    private static OnnxRuntimePass? ChooseEngine(Backbone backbone, ExtractionOptions options, Device device)
    {
        if (options.Engine == ExtractionEngine.Torch) return null;
        bool eligible = backbone.RunsOnOnnxRuntime(device);
        if (options.Engine == ExtractionEngine.OnnxRuntime && !eligible)
            throw new InvalidOperationException(device.type == TorchSharp.DeviceType.CPU
                ? "ONNX Runtime can run only the backbone as shipped, to its final features; this one was modified (trained, or given an input adapter) or reads intermediate layers."
                : $"ONNX Runtime runs the frozen pass on the CPU only; the device is {device}.");
        return eligible ? backbone.OnnxRuntime : null;
    }

    private static byte[] ReadContent(IImageSource source)
    {
        try { return source.ContentBytes(); }
        catch (IOException e) { throw new DataException($"{source.Id}: cannot read the file ({e.Message}).", source.Id, e); }
    }
}
