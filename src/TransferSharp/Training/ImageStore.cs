using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>
/// A split's images decoded and resized once, kept as one uint8 tensor [N, S, S, C] with the labels, so that epochs
/// only index, normalise and augment. Undecodable images stop the run (naming the file) or are skipped.
/// </summary>
public sealed class ImageStore : IDisposable
{
    private ImageStore(Tensor pixels, Tensor labels, IReadOnlyList<string> ids, IReadOnlyList<BadImage> bad)
    {
        Pixels = pixels;
        Labels = labels;
        Ids = ids;
        Bad = bad;
    }

    /// <summary>uint8 [N, S, S, C] (C = 1 or 3, RGB); or, in the channel pipeline, float32 [N, C, S, S] raw
    /// channels.</summary>
    public Tensor Pixels { get; }

    /// <summary>The channel pipeline's input step (set for channel stores before batches are drawn); null for 8-bit
    /// image stores.</summary>
    public Adapters.ChannelInput? ChannelInput { get; set; }

    /// <summary>Whether this store holds raw channels (the channel pipeline).</summary>
    public bool IsChannelStore { get; private init; }

    /// <summary>int64 [N].</summary>
    public Tensor Labels { get; }

    /// <summary>Source ids, by row.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Images skipped as undecodable.</summary>
    public IReadOnlyList<BadImage> Bad { get; }

    /// <summary>Number of images.</summary>
    public int Count => (int)Pixels.shape[0];

    /// <summary>
    /// Decodes <paramref name="positions"/> of <paramref name="data"/> at <paramref name="size"/>: as 8-bit images, or
    /// with <paramref name="channels"/> through the channel pipeline (every source read as raw channels).
    /// </summary>
    public static ImageStore Load(
        ImageDataset data,
        IReadOnlyList<int> positions,
        int size,
        bool skipBad,
        IProgress<ProgressUpdate>? progress,
        string label,
        bool channels = false
    ) =>
        channels
            ? LoadChannels(
                data,
                positions,
                size,
                skipBad,
                progress.Begin($"{label}: reading channels", positions.Count)
            )
            : LoadImages(data, positions, size, skipBad, progress.Begin($"{label}: decoding images", positions.Count));

    private static ImageStore LoadImages(
        ImageDataset data,
        IReadOnlyList<int> positions,
        int size,
        bool skipBad,
        ProgressTask progressTask
    )
    {
        var sources = data.Items.Select(i => i.Source).ToList();
        var bad = new List<BadImage>();
        var batches = new List<PixelBatch>();
        using (var task = progressTask)
        {
            foreach (PixelBatch batch in ImageBatcher.Batches(sources, positions, size, 256, skipBad, bad))
            {
                batches.Add(batch);
                task.Advance(batch.Positions.Length);
            }
        }
        int channels = batches.Count == 0 ? 1 : batches.Max(b => b.Channels);
        var rows = new List<int>();
        int plane = size * size * channels;
        var pixels = new byte[batches.Sum(b => b.Positions.Length) * plane];
        int offset = 0;
        foreach (PixelBatch b in batches)
        {
            if (b.Channels == channels)
                b.Pixels.CopyTo(pixels, offset);
            else
                for (int i = 0; i < b.Pixels.Length; i++)
                for (int c = 0; c < channels; c++)
                    pixels[offset + i * channels + c] = b.Pixels[i]; // gray batch into an RGB store
            offset += b.Positions.Length * plane;
            rows.AddRange(b.Positions);
        }
        Tensor pixelTensor = tensor(pixels, new long[] { rows.Count, size, size, channels }, ScalarType.Byte);
        Tensor labels = tensor(rows.Select(r => (long)data.Items[r].Label).ToArray());
        return new ImageStore(pixelTensor, labels, rows.Select(r => sources[r].Id).ToList(), bad);
    }

    // The channel pipeline: arrays as they are, 8-bit images in 0..255, resized; all must have the same channel count
    // (the error names a file of each kind).
    private static ImageStore LoadChannels(
        ImageDataset data,
        IReadOnlyList<int> positions,
        int size,
        bool skipBad,
        ProgressTask progressTask
    )
    {
        var parts = new Tensor[positions.Count];
        var ok = new bool[positions.Count];
        var errors = new DataException?[positions.Count];
        int[] channelCount = new int[positions.Count];
        using (var task = progressTask)
        {
            int done = 0;
            Parallel.For(
                0,
                positions.Count,
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                i =>
                {
                    try
                    {
                        ChannelImage image = Adapters.ChannelInput.Read(data.Items[positions[i]].Source);
                        channelCount[i] = image.Channels;
                        using var scope = NewDisposeScope();
                        parts[i] = Adapters.ChannelInput.Resize(image, size).DetachFromDisposeScope();
                        ok[i] = true;
                    }
                    catch (DataException e)
                    {
                        errors[i] = e;
                    }
                    if (Interlocked.Increment(ref done) % 64 == 0)
                        lock (task)
                            task.Advance(64);
                }
            );
            task.Advance(positions.Count % 64);
        }
        var bad = new List<BadImage>();
        for (int i = 0; i < positions.Count; i++)
            if (errors[i] is { } e)
            {
                if (!skipBad)
                {
                    foreach (var p in parts)
                        p?.Dispose();
                    throw e;
                }
                bad.Add(new BadImage(data.Items[positions[i]].Source.Id, e.Message));
            }
        var kept = Enumerable.Range(0, positions.Count).Where(i => ok[i]).ToList();
        var kinds = kept.GroupBy(i => channelCount[i]).ToList();
        if (kinds.Count > 1)
        {
            foreach (var p in parts)
                p?.Dispose();
            var examples = kinds.Select(k => $"{data.Items[positions[k.First()]].Source.Id} has {k.Key}");
            throw new DataException(
                $"{data.Origin}: mixed channel counts: {string.Join(", ", examples)}; "
                    + "every image needs the same channel count.",
                data.Origin
            );
        }
        if (kept.Count == 0)
            throw new DataException($"{data.Origin}: none of the {positions.Count} images could be read.", data.Origin);
        Tensor all = stack(kept.Select(i => parts[i]).ToArray());
        foreach (var p in parts)
            p?.Dispose();
        Tensor labels = tensor(kept.Select(i => (long)data.Items[positions[i]].Label).ToArray());
        return new ImageStore(all, labels, kept.Select(i => data.Items[positions[i]].Source.Id).ToList(), bad)
        {
            IsChannelStore = true,
        };
    }

    /// <summary>Normalised float images [n, 3 (or C for a channel adapter), S, S] for the rows in <paramref
    /// name="index"/>.</summary>
    public Tensor Batch(Backbone backbone, Tensor index, Device device, bool mirror = false)
    {
        if (IsChannelStore)
        {
            Adapters.ChannelInput input =
                ChannelInput
                ?? throw new InvalidOperationException(
                    "a channel store needs its ChannelInput before batches are drawn"
                );
            using var channelScope = NewDisposeScope();
            return input.Prepare(Pixels.index_select(0, index), device, mirror).MoveToOuterDisposeScope();
        }
        using var scope = NewDisposeScope();
        return backbone.Normalize(Pixels.index_select(0, index), device, mirror).MoveToOuterDisposeScope();
    }

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        Pixels.Dispose();
        Labels.Dispose();
    }
}
