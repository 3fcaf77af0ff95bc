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

    /// <summary>uint8 [N, S, S, C] (C = 1 or 3, RGB).</summary>
    public Tensor Pixels { get; }
    /// <summary>int64 [N].</summary>
    public Tensor Labels { get; }
    /// <summary>Source ids, by row.</summary>
    public IReadOnlyList<string> Ids { get; }
    /// <summary>Images skipped as undecodable.</summary>
    public IReadOnlyList<BadImage> Bad { get; }
    /// <summary>Number of images.</summary>
    public int Count => (int)Pixels.shape[0];

    /// <summary>Decodes <paramref name="positions"/> of <paramref name="data"/> at <paramref name="size"/>.</summary>
    public static ImageStore Load(ImageDataset data, IReadOnlyList<int> positions, int size, bool skipBad, IProgressSink progress, string label)
    {
        var sources = data.Items.Select(i => i.Source).ToList();
        var bad = new List<BadImage>();
        var batches = new List<PixelBatch>();
        using (var task = progress.Begin($"{label}: decoding images", positions.Count))
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
            if (b.Channels == channels) b.Pixels.CopyTo(pixels, offset);
            else
                for (int i = 0; i < b.Pixels.Length; i++)
                    for (int c = 0; c < channels; c++) pixels[offset + i * channels + c] = b.Pixels[i]; // gray batch into an RGB store
            offset += b.Positions.Length * plane;
            rows.AddRange(b.Positions);
        }
        Tensor pixelTensor = tensor(pixels, new long[] { rows.Count, size, size, channels }, ScalarType.Byte);
        Tensor labels = tensor(rows.Select(r => (long)data.Items[r].Label).ToArray());
        return new ImageStore(pixelTensor, labels, rows.Select(r => sources[r].Id).ToList(), bad);
    }

    /// <summary>Normalised float images [n, 3, S, S] for the rows in <paramref name="index"/>.</summary>
    public Tensor Batch(Backbone backbone, Tensor index, Device device, bool mirror = false)
    {
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
