using System.Runtime.InteropServices;
using SkiaSharp;

namespace TransferSharp.Data;

/// <summary>A decoded image: bytes 0..255, interleaved HWC; 1 channel (gray) or 3 (R, G, B). Alpha is
/// dropped.</summary>
public sealed class RawImage
{
    /// <summary>Wraps pixels (length must be width * height * channels).</summary>
    public RawImage(int width, int height, int channels, byte[] pixels)
    {
        if (channels is not (1 or 3))
            throw new ArgumentException($"channels must be 1 or 3, got {channels}");
        if (pixels.Length != width * height * channels)
            throw new ArgumentException($"expected {width * height * channels} bytes, got {pixels.Length}");
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
    /// As a viewer shows it under EXIF orientation <paramref name="origin"/> (where the stored first row and column
    /// belong): flipped, rotated or transposed; the image itself for <see cref="SKEncodedOrigin.TopLeft"/>.
    /// </summary>
    public RawImage Oriented(SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft || (int)origin is < 1 or > 8)
            return this;
        bool swap = (int)origin >= 5;
        int w = Width,
            h = Height,
            outWidth = swap ? h : w,
            outHeight = swap ? w : h;
        var pixels = new byte[Pixels.Length];
        for (int y = 0; y < outHeight; y++)
        for (int x = 0; x < outWidth; x++)
        {
            (int sx, int sy) = origin switch
            {
                SKEncodedOrigin.TopRight => (w - 1 - x, y),
                SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                SKEncodedOrigin.LeftTop => (y, x),
                SKEncodedOrigin.RightTop => (y, h - 1 - x),
                SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                _ => (w - 1 - y, x), // LeftBottom
            };
            Array.Copy(Pixels, (sy * w + sx) * Channels, pixels, (y * outWidth + x) * Channels, Channels);
        }
        return new RawImage(outWidth, outHeight, Channels, pixels);
    }

    /// <summary>
    /// Resized to <paramref name="width"/> x <paramref name="height"/>: Mitchell cubic when enlarging (SkiaSharp's
    /// result, computed by <see cref="CubicUpscale"/>), linear with mipmaps when shrinking (no aliasing; SkiaSharp).
    /// The channel count is kept.
    /// </summary>
    public RawImage Resize(int width, int height)
    {
        if (width == Width && height == Height)
            return this;
        return CubicUpscale.Handles(this, width, height)
            ? CubicUpscale.Resize(this, width, height)
            : ResizeWithSkia(width, height);
    }

    /// <summary>Resized by SkiaSharp itself (the reference <see cref="CubicUpscale"/> is tested against).</summary>
    internal RawImage ResizeWithSkia(int width, int height)
    {
        bool shrinking = width < Width || height < Height;
        var sampling = shrinking
            ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
            : new SKSamplingOptions(SKCubicResampler.Mitchell);
        using SKBitmap source = ToBitmap();
        var info = new SKImageInfo(width, height, source.ColorType, SKAlphaType.Opaque);
        using SKBitmap resized =
            source.Resize(info, sampling)
            ?? throw new InvalidOperationException("SkiaSharp could not resize the image");
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
        int w = bitmap.Width,
            h = bitmap.Height;
        if (bitmap.ColorType == SKColorType.Gray8)
        {
            var gray = new byte[w * h];
            for (int y = 0; y < h; y++)
                Marshal.Copy(bitmap.GetPixels() + y * bitmap.RowBytes, gray, y * w, w);
            return new RawImage(w, h, 1, gray);
        }
        if (bitmap.ColorType != SKColorType.Rgba8888)
            throw new InvalidOperationException($"unexpected colour type {bitmap.ColorType}");
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
