using System.Globalization;
using SkiaSharp;
using TransferSharp.Data;

namespace TransferSharp.Reports;

/// <summary>
/// Small PNGs of images named by their ids: an image file, an IDX record ("file#index", each IDX file read once), or a
/// multichannel array (.npy, TIFF: its first channel, stretched to 0..255). Large images are shrunk; small ones keep
/// their pixels, which the page enlarges without smoothing.
/// </summary>
internal sealed class Thumbnails
{
    /// <summary>The longest side of a thumbnail, in pixels.</summary>
    public const int MaxSide = 160;

    private readonly Dictionary<string, (byte[][] images, int rows, int cols)> idxFiles = new();
    private readonly bool channelsLast;

    /// <summary>Thumbnails of a run whose arrays are channels-last when <paramref name="channelsLast"/>.</summary>
    public Thumbnails(bool channelsLast) => this.channelsLast = channelsLast;

    /// <summary>The image's thumbnail as PNG bytes, or null and why it could not be made.</summary>
    public (byte[]? png, string? problem) Png(string id)
    {
        try
        {
            RawImage image = Shrunk(Decode(id));
            using SKBitmap bitmap = image.ToBitmap();
            using SKData data =
                bitmap.Encode(SKEncodedImageFormat.Png, 100)
                ?? throw new InvalidOperationException("SkiaSharp could not encode the thumbnail");
            return (data.ToArray(), null);
        }
        catch (Exception e)
            when (e is DataException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return (null, e.Message);
        }
    }

    private RawImage Decode(string id)
    {
        if (IdxRecord(id) is { } record)
        {
            var (file, index) = record;
            if (!idxFiles.TryGetValue(file, out var idx))
                idxFiles[file] = idx = IdxFormat.ReadImages(file);
            if (index >= idx.images.Length)
                throw new DataException($"{file}: no record {index} ({idx.images.Length} images).", file);
            return new RawImage(idx.cols, idx.rows, 1, idx.images[index]);
        }
        IImageSource source = DatasetLoader.SourceFor(id, channelsLast);
        return source is IChannelSource channels ? FirstChannel(channels.DecodeChannels()) : source.Decode();
    }

    // An IDX record's id is the images file's path, '#', and the record's index (IdxImageSource).
    private static (string file, int index)? IdxRecord(string id)
    {
        int hash = id.LastIndexOf('#');
        if (hash <= 0 || File.Exists(id))
            return null;
        return int.TryParse(id.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            ? (id[..hash], index)
            : null;
    }

    private static RawImage FirstChannel(ChannelImage image)
    {
        int plane = image.Width * image.Height;
        var values = image.Data.AsSpan(0, plane);
        float low = float.PositiveInfinity,
            high = float.NegativeInfinity;
        foreach (float v in values)
            if (float.IsFinite(v))
                (low, high) = (Math.Min(low, v), Math.Max(high, v));
        float scale = high > low ? 255f / (high - low) : 0;
        var pixels = new byte[plane];
        for (int i = 0; i < plane; i++)
            pixels[i] = float.IsFinite(values[i])
                ? (byte)Math.Clamp((values[i] - low) * scale + 0.5f, 0, 255)
                : (byte)0;
        return new RawImage(image.Width, image.Height, 1, pixels);
    }

    private static RawImage Shrunk(RawImage image)
    {
        int side = Math.Max(image.Width, image.Height);
        if (side <= MaxSide)
            return image;
        double scale = (double)MaxSide / side;
        return image.Resize(
            Math.Max(1, (int)Math.Round(image.Width * scale)),
            Math.Max(1, (int)Math.Round(image.Height * scale))
        );
    }
}
