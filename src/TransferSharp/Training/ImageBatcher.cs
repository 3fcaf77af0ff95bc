using TransferSharp.Data;

namespace TransferSharp.Training;

/// <summary>
/// Decodes and resizes images in parallel, one batch ahead of the consumer (prefetch), so that decoding overlaps the
/// network's work. Bad images either stop the run with an error naming the file, or are skipped and reported.
/// </summary>
public static class ImageBatcher
{
    /// <summary>Decodes one source and resizes it to size x size.</summary>
    public static RawImage LoadResized(IImageSource source, int size)
    {
        RawImage image = source.Decode();
        return image.Width == size && image.Height == size ? image : image.Resize(size, size);
    }

    /// <summary>Yields batches of the given positions of <paramref name="sources"/>; bad images go to <paramref
    /// name="bad"/> when <paramref name="skipBad"/>.</summary>
    public static IEnumerable<PixelBatch> Batches(
        IReadOnlyList<IImageSource> sources,
        IReadOnlyList<int> positions,
        int size,
        int batchSize,
        bool skipBad,
        List<BadImage> bad
    )
    {
        if (positions.Count == 0)
            yield break;
        var chunks = positions.Chunk(batchSize).ToList();
        Task<(PixelBatch? batch, List<BadImage> bad)> pending = Task.Run(() =>
            Decode(sources, chunks[0], size, skipBad)
        );
        for (int c = 0; c < chunks.Count; c++)
        {
            var (batch, badHere) = pending.GetAwaiter().GetResult();
            if (c + 1 < chunks.Count)
            {
                int[] next = chunks[c + 1];
                pending = Task.Run(() => Decode(sources, next, size, skipBad));
            }
            bad.AddRange(badHere);
            if (batch is not null)
                yield return batch;
        }
    }

    private static (PixelBatch? batch, List<BadImage> bad) Decode(
        IReadOnlyList<IImageSource> sources,
        int[] chunk,
        int size,
        bool skipBad
    )
    {
        var images = new RawImage?[chunk.Length];
        var errors = new DataException?[chunk.Length];
        Parallel.For(
            0,
            chunk.Length,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i =>
            {
                try
                {
                    images[i] = LoadResized(sources[chunk[i]], size);
                }
                catch (DataException e)
                {
                    errors[i] = e;
                }
            }
        );
        var bad = new List<BadImage>();
        for (int i = 0; i < chunk.Length; i++)
        {
            if (errors[i] is not { } error)
                continue;
            if (!skipBad)
                throw error;
            bad.Add(new BadImage(sources[chunk[i]].Id, error.Message));
        }
        var kept = Enumerable.Range(0, chunk.Length).Where(i => images[i] is not null).ToArray();
        if (kept.Length == 0)
            return (null, bad);
        int channels = kept.Max(i => images[i]!.Channels);
        int plane = size * size * channels;
        var pixels = new byte[kept.Length * plane];
        for (int k = 0; k < kept.Length; k++)
        {
            RawImage image = images[kept[k]]!;
            Span<byte> target = pixels.AsSpan(k * plane, plane);
            if (image.Channels == channels)
                image.Pixels.AsSpan(0, plane).CopyTo(target);
            else
                for (int p = 0; p < size * size; p++)
                for (int ch = 0; ch < channels; ch++)
                    target[p * channels + ch] = image.Pixels[p * image.Channels + Math.Min(ch, image.Channels - 1)];
        }
        return (new PixelBatch(kept.Select(i => chunk[i]).ToArray(), pixels, size, channels), bad);
    }
}
