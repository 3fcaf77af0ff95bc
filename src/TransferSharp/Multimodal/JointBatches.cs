using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Multimodal;

/// <summary>A split's rows for joint tuning: their images decoded once (uint8 [N, S, S, 3]; zeros where a row has no
/// image), their packed fusion rows and labels. <see cref="Inputs"/> runs the backbone on a batch's images and packs
/// its standardised features where the frozen ones were.</summary>
internal sealed class JointBatches : IDisposable
{
    private readonly Tensor pixels;
    private readonly Tensor packed;
    private readonly Tensor labels;
    private readonly bool[] hasImage;
    private readonly int imageWidth;

    private JointBatches(Tensor pixels, Tensor packed, Tensor labels, bool[] hasImage, int imageWidth)
    {
        this.pixels = pixels;
        this.packed = packed;
        this.labels = labels;
        this.hasImage = hasImage;
        this.imageWidth = imageWidth;
    }

    /// <summary>The number of rows.</summary>
    public int Count => hasImage.Length;

    /// <summary>Decodes the images of the rows that have one, at the backbone's size; one that no longer decodes
    /// reads as missing (its flag set to 0).</summary>
    public static JointBatches Decode(
        Backbone backbone,
        IReadOnlyList<IImageSource?> sources,
        FusionRows rows,
        IProgress<ProgressUpdate>? progress,
        string label,
        CancellationToken cancellation
    )
    {
        int size = backbone.InputSize;
        int[] present = Enumerable
            .Range(0, rows.Count)
            .Where(i => rows.HasImage(i) && sources[i] is not null)
            .ToArray();
        var list = present.Select(i => sources[i]!).ToList();
        // One uint8 tensor as the fit's image store: no managed array (which stops at 2 GB) and no second copy.
        Tensor pixels = zeros(new long[] { rows.Count, size, size, 3 }, ScalarType.Byte);
        var decoded = new bool[rows.Count];
        var bad = new List<BadImage>();
        try
        {
            using (var task = progress.Begin(label, present.Length))
                foreach (
                    PixelBatch batch in ImageBatcher.Batches(
                        list,
                        Enumerable.Range(0, list.Count).ToArray(),
                        size,
                        64,
                        skipBad: true,
                        bad
                    )
                )
                {
                    cancellation.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    Tensor images = batch.ToTensor();
                    if (batch.Channels == 1)
                        images = images.expand(-1, -1, -1, 3);
                    long[] targets = batch.Positions.Select(k => (long)present[k]).ToArray();
                    pixels.index_copy_(0, tensor(targets), images.contiguous());
                    foreach (long row in targets)
                        decoded[row] = true;
                    task.Advance(batch.Positions.Length);
                }
        }
        catch
        {
            // Cancelled or a decoder failing: the store's native memory goes now, not at the finalizer.
            pixels.Dispose();
            throw;
        }
        float[][] flagged = rows
            .Packed.Select(
                (r, i) =>
                {
                    if (decoded[i] || !rows.HasImage(i))
                        return r;
                    var copy = (float[])r.Clone();
                    copy[rows.ImageWidth] = 0;
                    return copy;
                }
            )
            .ToArray();
        return new JointBatches(
            pixels,
            NetworkModel.Matrix(flagged),
            tensor(rows.Labels.Select(l => (long)l).ToArray()),
            decoded,
            rows.ImageWidth
        );
    }

    /// <summary>Packed inputs [n, D] for <paramref name="batch"/>: the backbone's features of the rows that have an
    /// image, standardised, in place of the frozen ones; each image mirrored with probability 1/2 when <paramref
    /// name="mirror"/> is given (training).</summary>
    public Tensor Inputs(Backbone backbone, int[] batch, Tensor mean, Tensor scale, Random? mirror)
    {
        using var scope = NewDisposeScope();
        Tensor index = tensor(batch.Select(i => (long)i).ToArray());
        Tensor rows = packed.index_select(0, index);
        long[] withImage = Enumerable
            .Range(0, batch.Length)
            .Where(k => hasImage[batch[k]])
            .Select(k => (long)k)
            .ToArray();
        Tensor image = zeros(batch.Length, imageWidth);
        if (withImage.Length > 0)
        {
            Tensor positions = tensor(withImage);
            Tensor raw = pixels.index_select(0, index.index_select(0, positions));
            if (mirror is not null)
            {
                // The pixels flipped, before normalising: a backbone with a mean image subtracts it unflipped.
                bool[] flip = withImage.Select(_ => mirror.NextDouble() < 0.5).ToArray();
                raw = where(tensor(flip).view(-1, 1, 1, 1), raw.flip(2), raw);
            }
            Tensor features = (backbone.Features(backbone.Normalize(raw)) - mean) * scale;
            image = image.index_copy(0, positions, features);
        }
        return cat(new[] { image, rows.narrow(1, imageWidth, rows.shape[1] - imageWidth) }, 1)
            .MoveToOuterDisposeScope();
    }

    /// <summary>The labels of <paramref name="batch"/> (int64).</summary>
    public Tensor Labels(int[] batch) => labels.index_select(0, tensor(batch.Select(i => (long)i).ToArray()));

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        pixels.Dispose();
        packed.Dispose();
        labels.Dispose();
    }
}
