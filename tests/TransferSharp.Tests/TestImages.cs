using SkiaSharp;
using TransferSharp.Data;

namespace TransferSharp.Tests;

/// <summary>Small synthetic images written to disk: classes that differ in a pattern a CNN sees easily.</summary>
public static class TestImages
{
    /// <summary>A gray or RGB pattern: class 0 horizontal stripes, 1 vertical stripes, 2 a bright square, others a
    /// checkerboard of period class+1.</summary>
    public static RawImage Pattern(int label, int size, int variant, bool color)
    {
        var random = new Random(label * 1000 + variant);
        int channels = color ? 3 : 1;
        var pixels = new byte[size * size * channels];
        int shift = random.Next(4);
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            bool on = label switch
            {
                0 => ((y + shift) / 3) % 2 == 0,
                1 => ((x + shift) / 3) % 2 == 0,
                2 => x > size / 4 + shift && x < 3 * size / 4 && y > size / 4 && y < 3 * size / 4,
                _ => ((x / (label + 1)) + (y / (label + 1))) % 2 == 0,
            };
            byte v = (byte)Math.Clamp((on ? 200 : 40) + random.Next(-20, 21), 0, 255);
            for (int c = 0; c < channels; c++)
                pixels[(y * size + x) * channels + c] = color && c == 2 ? (byte)(255 - v) : v;
        }
        return new RawImage(size, size, channels, pixels);
    }

    /// <summary>Encodes a raw image with SkiaSharp.</summary>
    public static byte[] Encode(RawImage image, SKEncodedImageFormat format, int quality = 95)
    {
        using SKBitmap bitmap = image.ToBitmap();
        using SKData data =
            bitmap.Encode(format, quality) ?? throw new InvalidOperationException($"no {format} encoder");
        return data.ToArray();
    }

    /// <summary>Writes an image-folder dataset: one subfolder per class, PNG files.</summary>
    public static string WriteFolder(string root, int classes, int perClass, int size = 32, bool color = false)
    {
        for (int c = 0; c < classes; c++)
        {
            string dir = Path.Combine(root, $"class{c}");
            Directory.CreateDirectory(dir);
            for (int i = 0; i < perClass; i++)
                File.WriteAllBytes(
                    Path.Combine(dir, $"img{i:D3}.png"),
                    Encode(Pattern(c, size, i, color), SKEncodedImageFormat.Png)
                );
        }
        return root;
    }
}
