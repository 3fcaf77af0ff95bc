using System.Runtime.InteropServices;
using SkiaSharp;

namespace TransferSharp.Data;

/// <summary>A bad-input problem with data; the message names the file (and row, for CSV) and the problem.</summary>
public sealed class DataException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataException(string message, string? path = null, Exception? inner = null) : base(message, inner) => Path = path;

    /// <summary>The file or folder concerned, when there is one.</summary>
    public string? Path { get; }
}

/// <summary>A decoded image: bytes 0..255, interleaved HWC; 1 channel (gray) or 3 (R, G, B). Alpha is dropped.</summary>
public sealed class RawImage
{
    /// <summary>Wraps pixels (length must be width * height * channels).</summary>
    public RawImage(int width, int height, int channels, byte[] pixels)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"channels must be 1 or 3, got {channels}");
        if (pixels.Length != width * height * channels) throw new ArgumentException($"expected {width * height * channels} bytes, got {pixels.Length}");
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }
    /// <summary>Height in pixels.</summary>
    public int Height { get; }
    /// <summary>1 (gray) or 3 (RGB).</summary>
    public int Channels { get; }
    /// <summary>HWC bytes.</summary>
    public byte[] Pixels { get; }

    /// <summary>
    /// Resized to <paramref name="width"/> x <paramref name="height"/> with SkiaSharp: Mitchell cubic when enlarging,
    /// linear with mipmaps when shrinking (no aliasing). The channel count is kept.
    /// </summary>
    public RawImage Resize(int width, int height)
    {
        if (width == Width && height == Height) return this;
        bool shrinking = width < Width || height < Height;
        var sampling = shrinking ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear) : new SKSamplingOptions(SKCubicResampler.Mitchell);
        using SKBitmap source = ToBitmap();
        var info = new SKImageInfo(width, height, source.ColorType, SKAlphaType.Opaque);
        using SKBitmap resized = source.Resize(info, sampling) ?? throw new InvalidOperationException("SkiaSharp could not resize the image");
        return FromBitmap(resized);
    }

    internal SKBitmap ToBitmap()
    {
        if (Channels == 1)
        {
            var gray = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Gray8, SKAlphaType.Opaque));
            Marshal.Copy(Pixels, 0, gray.GetPixels(), Pixels.Length);
            return gray;
        }
        var rgba = new byte[Width * Height * 4];
        for (int i = 0, j = 0; i < Pixels.Length; i += 3, j += 4)
        {
            rgba[j] = Pixels[i];
            rgba[j + 1] = Pixels[i + 1];
            rgba[j + 2] = Pixels[i + 2];
            rgba[j + 3] = 255;
        }
        var bitmap = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    internal static RawImage FromBitmap(SKBitmap bitmap)
    {
        int w = bitmap.Width, h = bitmap.Height;
        if (bitmap.ColorType == SKColorType.Gray8)
        {
            var gray = new byte[w * h];
            for (int y = 0; y < h; y++) Marshal.Copy(bitmap.GetPixels() + y * bitmap.RowBytes, gray, y * w, w);
            return new RawImage(w, h, 1, gray);
        }
        if (bitmap.ColorType != SKColorType.Rgba8888) throw new InvalidOperationException($"unexpected colour type {bitmap.ColorType}");
        var row = new byte[w * 4];
        var rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            Marshal.Copy(bitmap.GetPixels() + y * bitmap.RowBytes, row, 0, row.Length);
            for (int x = 0; x < w; x++)
            {
                rgb[(y * w + x) * 3] = row[x * 4];
                rgb[(y * w + x) * 3 + 1] = row[x * 4 + 1];
                rgb[(y * w + x) * 3 + 2] = row[x * 4 + 2];
            }
        }
        return new RawImage(w, h, 3, rgb);
    }
}

/// <summary>Where one image comes from: a file, or one record of an IDX file.</summary>
public interface IImageSource
{
    /// <summary>A file path, or "&lt;idx path&gt;#&lt;index&gt;".</summary>
    string Id { get; }
    /// <summary>The encoded file bytes, or the raw record: the content that cache keys hash.</summary>
    byte[] ContentBytes();
    /// <summary>Decodes; throws <see cref="DataException"/> naming <see cref="Id"/> for corrupt, truncated, empty or unsupported input.</summary>
    RawImage Decode();
}

/// <summary>Image decoding with SkiaSharp: PNG, JPEG, BMP, GIF (first frame), WebP; gray stays gray, everything else becomes RGB.</summary>
public static class ImageDecoder
{
    /// <summary>Decodes <paramref name="encoded"/>; <paramref name="id"/> names it in errors.</summary>
    public static RawImage Decode(byte[] encoded, string id)
    {
        if (encoded.Length == 0) throw new DataException($"{id}: the image file is empty (0 bytes).", id);
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec is null) throw new DataException($"{id}: not a decodable image (unknown format or corrupt header; supported: PNG, JPEG, BMP, GIF, WebP).", id);
        SKImageInfo source = codec.Info;
        if (source.Width <= 0 || source.Height <= 0) throw new DataException($"{id}: the image has no pixels ({source.Width}x{source.Height}).", id);
        bool gray = source.ColorType == SKColorType.Gray8;
        var info = new SKImageInfo(source.Width, source.Height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, gray ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        SKCodecResult result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new DataException(result == SKCodecResult.IncompleteInput
                ? $"{id}: the image file is truncated (incomplete image data)."
                : $"{id}: the image could not be decoded ({result}).", id);
        return RawImage.FromBitmap(bitmap);
    }
}

/// <summary>An image file on disk.</summary>
public sealed class FileImageSource : IImageSource
{
    /// <summary>The file at <paramref name="path"/>.</summary>
    public FileImageSource(string path) => Id = path;

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public byte[] ContentBytes()
    {
        try { return File.ReadAllBytes(Id); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DataException($"{Id}: cannot read the file ({e.Message}).", Id, e); }
    }

    /// <inheritdoc />
    public RawImage Decode() => ImageDecoder.Decode(ContentBytes(), Id);
}
