using SkiaSharp;

namespace TransferSharp.Data;

/// <summary>
/// Image decoding with SkiaSharp: PNG, JPEG, BMP, GIF (first frame), WebP; gray stays gray, everything else becomes
/// RGB; an EXIF orientation is applied, so images come out as viewers show them.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Decodes <paramref name="encoded"/>; <paramref name="id"/> names it in errors.</summary>
    public static RawImage Decode(byte[] encoded, string id)
    {
        try
        {
            return DecodeChecked(encoded, id);
        }
        catch (Exception e) when (e is not DataException)
        {
            // Whatever the codec throws stays one error naming the file, also out of parallel decoding.
            throw new DataException($"{id}: the image could not be decoded ({e.GetType().Name}: {e.Message}).", id, e);
        }
    }

    private static RawImage DecodeChecked(byte[] encoded, string id)
    {
        if (encoded.Length == 0)
            throw new DataException($"{id}: the image file is empty (0 bytes).", id);
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec is null)
            throw new DataException(
                $"{id}: not a decodable image (unknown format or corrupt header; supported: PNG, JPEG, BMP, GIF, "
                    + $"WebP).",
                id
            );
        SKImageInfo source = codec.Info;
        if (source.Width <= 0 || source.Height <= 0)
            throw new DataException($"{id}: the image has no pixels ({source.Width}x{source.Height}).", id);
        if ((long)source.Width * source.Height > Limits.MaximumImagePixels)
            throw new DataException(
                $"{id}: the image declares {source.Width}x{source.Height} pixels, more than the limit of "
                    + $"{Limits.MaximumImagePixels:N0} (a decompression bomb or an image too large to train on).",
                id
            );
        bool gray = source.ColorType == SKColorType.Gray8;
        var info = new SKImageInfo(
            source.Width,
            source.Height,
            gray ? SKColorType.Gray8 : SKColorType.Rgba8888,
            gray ? SKAlphaType.Opaque : SKAlphaType.Unpremul
        );
        using var bitmap = new SKBitmap(info);
        SKCodecResult result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new DataException(
                result == SKCodecResult.IncompleteInput
                    ? $"{id}: the image file is truncated (incomplete image data)."
                    : $"{id}: the image could not be decoded ({result}).",
                id
            );
        return RawImage.FromBitmap(bitmap).Oriented(codec.EncodedOrigin);
    }
}
