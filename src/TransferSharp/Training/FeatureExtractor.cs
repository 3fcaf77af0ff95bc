using System.Diagnostics;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>
/// Runs the frozen backbone once per image (eval mode, no autograd) and caches the pooled features.
/// </summary>
public static class FeatureExtractor
{
    /// <summary>Features of <paramref name="sources"/>; cached vectors are reused, new ones added to <paramref
    /// name="cache"/>.</summary>
    public static FeatureSet Extract(
        Backbone backbone,
        IReadOnlyList<IImageSource> sources,
        FeatureCache cache,
        ExtractionOptions options,
        IProgress<ProgressUpdate>? progress,
        string label,
        CancellationToken cancellation = default
    )
    {
        var watch = Stopwatch.StartNew();
        var keys = new string[sources.Count];
        Parallel.For(0, sources.Count, i => keys[i] = FeatureCache.ContentKey(ReadContent(sources[i])));
        var rows = new float[sources.Count][];
        var missing = new List<int>();
        for (int i = 0; i < sources.Count; i++)
        {
            if (cache.TryGet(keys[i], out float[] cached))
                rows[i] = cached;
            else
                missing.Add(i);
        }
        int hits = sources.Count - missing.Count;
        if (hits > 0)
            progress.Info(
                $"{label}: {hits} of {sources.Count} images' features found in the cache"
                    + (missing.Count == 0 ? "; extraction skipped." : ".")
            );

        var bad = new List<BadImage>();
        string engine = "none";
        if (missing.Count > 0)
        {
            Device device = options.Device ?? CPU;
            OnnxRuntimePass? onnx = ChooseEngine(backbone, options, device);
            engine =
                onnx is null ? "torch"
                : options.Quantization is null ? "onnxruntime"
                : "onnxruntime-int8";
            var companions = !options.Mirror && !backbone.FinalFeaturesOnly ? options.Companions : [];
            backbone.Network.eval();
            using var task = progress.Begin($"{label}: extracting features", missing.Count);
            foreach (
                PixelBatch batch in ImageBatcher.Batches(
                    sources,
                    missing,
                    backbone.InputSize,
                    options.BatchSize,
                    options.SkipBad,
                    bad
                )
            )
            {
                cancellation.ThrowIfCancellationRequested();
                float[][] values =
                    companions.Count == 0
                        ? [Features(backbone, onnx, device, batch, options.Mirror)]
                        : GridFeatures(backbone, onnx, device, batch, companions);
                int width = backbone.FeatureWidth;
                if (values[0].Length != batch.Positions.Length * width)
                    throw new InvalidOperationException(
                        $"the frozen pass returned {values[0].Length} values for {batch.Positions.Length} images of "
                            + $"width {width}."
                    );
                for (int k = 0; k < batch.Positions.Length; k++)
                {
                    int position = batch.Positions[k];
                    rows[position] = values[0].AsSpan(k * width, width).ToArray();
                    cache.Add(keys[position], rows[position]);
                    for (int c = 0; c < companions.Count; c++)
                    {
                        int w = companions[c].Cache.Width;
                        companions[c].Cache.Add(keys[position], values[c + 1].AsSpan(k * w, w).ToArray());
                    }
                }
                task.Advance(batch.Positions.Length);
            }
            cache.Flush();
            foreach (GridCompanion companion in companions)
                companion.Cache.Flush();
        }
        var kept = Enumerable.Range(0, sources.Count).Where(i => rows[i] is not null).ToArray();
        return new FeatureSet(
            kept.Select(i => rows[i]).ToArray(),
            kept,
            bad,
            hits,
            missing.Count - bad.Count,
            watch.Elapsed.TotalSeconds,
            engine
        );
    }

    /// <summary>One batch's features, row after row: on ONNX Runtime when <paramref name="onnx"/> is given, else on
    /// <paramref name="device"/>.</summary>
    internal static float[] Features(
        Backbone backbone,
        OnnxRuntimePass? onnx,
        Device device,
        PixelBatch batch,
        bool mirror
    )
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using Tensor pixels = batch.ToTensor();
        return onnx is not null
            ? onnx.Features(backbone.Normalize(pixels, CPU, mirror), backbone.FeatureGrid)
            : backbone.Features(backbone.Normalize(pixels, device, mirror)).cpu().data<float>().ToArray();
    }

    // One batch's features at the backbone's grid, then at each companion's, from one pass.
    private static float[][] GridFeatures(
        Backbone backbone,
        OnnxRuntimePass? onnx,
        Device device,
        PixelBatch batch,
        IReadOnlyList<GridCompanion> companions
    )
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using Tensor pixels = batch.ToTensor();
        int[] grids = [backbone.FeatureGrid, .. companions.Select(c => c.Grid)];
        if (onnx is not null)
            return onnx.FeaturesAtGrids(backbone.Normalize(pixels, CPU, false), grids);
        return backbone
            .FeaturesAtGrids(backbone.Normalize(pixels, device, false), grids)
            .Select(t => t.cpu().data<float>().ToArray())
            .ToArray();
    }

    /// <summary>What runs the frozen pass: ONNX Runtime where it can run the backbone (null: TorchSharp).</summary>
    internal static OnnxRuntimePass? ChooseEngine(Backbone backbone, ExtractionOptions options, Device device)
    {
        if (options.Quantization is { } quantization)
        {
            if (!backbone.RunsOnOnnxRuntime(device) || options.Engine == ExtractionEngine.Torch)
                throw new InvalidOperationException(
                    "an int8 frozen pass runs on ONNX Runtime only: the backbone as shipped, on the CPU."
                );
            return backbone.QuantizedOnnxRuntime(quantization);
        }
        if (options.Engine == ExtractionEngine.Torch)
            return null;
        bool eligible = backbone.RunsOnOnnxRuntime(device);
        if (options.Engine == ExtractionEngine.OnnxRuntime && !eligible)
            throw new InvalidOperationException(
                device.type == TorchSharp.DeviceType.CPU
                    ? "ONNX Runtime can run only the backbone as shipped; this one was modified (trained, or given an "
                        + "input adapter)."
                    : $"ONNX Runtime runs the frozen pass on the CPU only; the device is {device}."
            );
        if (!eligible)
            return null;
        try
        {
            return backbone.OnnxRuntime;
        }
        catch (Exception e)
            when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException or NotSupportedException
                && options.Engine == ExtractionEngine.Auto
            )
        {
            // A graph the importer runs but ONNX Runtime refuses (an op outside its opset), or a feature layer whose
            // output is not one of the file's tensors: TorchSharp runs it.
            return null;
        }
    }

    /// <summary>The bytes cache keys hash; an unreadable file is a <see cref="DataException"/> naming it.</summary>
    internal static byte[] ReadContent(IImageSource source)
    {
        try
        {
            return source.ContentBytes();
        }
        catch (IOException e)
        {
            throw new DataException($"{source.Id}: cannot read the file ({e.Message}).", source.Id, e);
        }
    }
}
