using SkiaSharp;
using TransferSharp.Data;

namespace TransferSharp.Tests.Data;

public class DecodingTests
{
    private static string Temp(string name, byte[] bytes)
    {
        string path = Path.Combine(TestPaths.NewTempDir("decode"), name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void GrayPngStaysGray()
    {
        RawImage source = TestImages.Pattern(0, 16, 0, color: false);
        RawImage decoded = new FileImageSource(
            Temp("g.png", TestImages.Encode(source, SKEncodedImageFormat.Png))
        ).Decode();
        Assert.Equal(1, decoded.Channels);
        Assert.Equal(source.Pixels, decoded.Pixels);
    }

    [Fact]
    public void RgbPngRoundTripsExactly()
    {
        RawImage source = TestImages.Pattern(1, 16, 0, color: true);
        RawImage decoded = new FileImageSource(
            Temp("c.png", TestImages.Encode(source, SKEncodedImageFormat.Png))
        ).Decode();
        Assert.Equal(3, decoded.Channels);
        Assert.Equal(source.Pixels, decoded.Pixels);
    }

    [Fact]
    public void RgbaPngDropsAlpha()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(4, 4, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            bitmap.SetPixel(x, y, new SKColor(200, 100, 50, 128));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        RawImage decoded = ImageDecoder.Decode(data.ToArray(), "rgba.png");
        Assert.Equal(3, decoded.Channels);
        Assert.Equal(new byte[] { 200, 100, 50 }, decoded.Pixels[..3]);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public void LossyFormatsDecodeCloseToTheSource(SKEncodedImageFormat format)
    {
        RawImage source = TestImages.Pattern(2, 32, 0, color: true);
        RawImage decoded = ImageDecoder.Decode(TestImages.Encode(source, format, 100), "img");
        Assert.Equal((32, 32), (decoded.Width, decoded.Height));
        double meanError = source
            .Pixels.Zip(
                decoded.Channels == 3 ? decoded.Pixels : decoded.Pixels.SelectMany(p => new[] { p, p, p }).ToArray()
            )
            .Average(p => Math.Abs(p.First - p.Second));
        Assert.True(meanError < 12, $"{format}: mean abs error {meanError}");
    }

    [Fact]
    public void BmpAndGifDecode()
    {
        // A 2x1 24-bit BMP (blue, red) and a 1x1 GIF, built by hand (SkiaSharp has no encoders for them).
        byte[] bmp =
        {
            0x42,
            0x4D,
            62,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            54,
            0,
            0,
            0,
            40,
            0,
            0,
            0,
            2,
            0,
            0,
            0,
            1,
            0,
            0,
            0,
            1,
            0,
            24,
            0,
            0,
            0,
            0,
            0,
            8,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            255,
            0,
            0,
            0,
            0,
            255,
            0,
            0,
        };
        RawImage b = ImageDecoder.Decode(bmp, "x.bmp");
        Assert.Equal((2, 1, 3), (b.Width, b.Height, b.Channels));
        Assert.Equal(new byte[] { 0, 0, 255, 255, 0, 0 }, b.Pixels);
        byte[] gif = Convert.FromBase64String("R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=");
        RawImage g = ImageDecoder.Decode(gif, "x.gif");
        Assert.Equal((1, 1), (g.Width, g.Height));
        Assert.All(g.Pixels, p => Assert.Equal(255, p));
    }

    [Fact]
    public void BadFilesNameTheFile()
    {
        byte[] png = TestImages.Encode(TestImages.Pattern(0, 32, 0, false), SKEncodedImageFormat.Png);
        var cases = new Dictionary<string, byte[]>
        {
            ["zero.png"] = Array.Empty<byte>(),
            ["truncated.png"] = png[..(png.Length / 2)],
            ["garbage.jpg"] = "this is not an image"u8.ToArray(),
        };
        foreach (var (name, bytes) in cases)
        {
            string path = Temp(name, bytes);
            var error = Assert.Throws<DataException>(() => new FileImageSource(path).Decode());
            Assert.Contains(name, error.Message);
        }
    }

    [Fact]
    public void ResizeKeepsChannelsAndSize()
    {
        RawImage gray = TestImages.Pattern(0, 28, 0, false).Resize(112, 112);
        Assert.Equal((112, 112, 1), (gray.Width, gray.Height, gray.Channels));
        RawImage rgb = TestImages.Pattern(1, 64, 0, true).Resize(20, 24);
        Assert.Equal((20, 24, 3), (rgb.Width, rgb.Height, rgb.Channels));
        // A constant image stays constant after resizing.
        var flat = new RawImage(10, 10, 1, Enumerable.Repeat((byte)77, 100).ToArray()).Resize(33, 33);
        Assert.All(flat.Pixels, p => Assert.InRange(p, 76, 78));
    }
}
