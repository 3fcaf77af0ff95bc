using SkiaSharp;
using TransferSharp.Data;

namespace TransferSharp.Tests.Data;

public class ImageDecoderTests
{
    [Fact]
    public void AnImageDeclaringMorePixelsThanTheLimitIsRefusedFromItsHeader()
    {
        byte[] png = TestImages.Encode(new RawImage(1, 1, 1, new byte[] { 7 }), SKEncodedImageFormat.Png);
        byte[] bomb = WithPngSize(png, 50_000, 50_000);
        var e = Assert.Throws<DataException>(() => ImageDecoder.Decode(bomb, "bomb.png"));
        Assert.Contains("bomb.png", e.Message);
        Assert.Contains("50000x50000", e.Message);
        Assert.Contains("limit", e.Message);
    }

    [Fact]
    public void AnExifRotatedJpegComesOutAsViewersShowIt()
    {
        // Stored 16 wide and 8 high, left half black; orientation 6 (rotate 90 degrees clockwise to show) puts the
        // stored left half at the top of an image 8 wide and 16 high.
        var pixels = new byte[16 * 8];
        for (int y = 0; y < 8; y++)
        for (int x = 8; x < 16; x++)
            pixels[y * 16 + x] = 255;
        byte[] jpeg = TestImages.Encode(new RawImage(16, 8, 1, pixels), SKEncodedImageFormat.Jpeg);
        RawImage plain = ImageDecoder.Decode(jpeg, "plain.jpg");
        Assert.Equal((16, 8), (plain.Width, plain.Height));

        RawImage shown = ImageDecoder.Decode(WithExifOrientation(jpeg, 6), "rotated.jpg");
        Assert.Equal((8, 16), (shown.Width, shown.Height));
        Assert.True(shown.Pixels[2 * 8 + 4] < 60, $"top {shown.Pixels[2 * 8 + 4]}");
        Assert.True(shown.Pixels[13 * 8 + 4] > 200, $"bottom {shown.Pixels[13 * 8 + 4]}");
    }

    [Theory]
    [InlineData(SKEncodedOrigin.TopLeft, 3, 2, new byte[] { 1, 2, 3, 4, 5, 6 })]
    [InlineData(SKEncodedOrigin.TopRight, 3, 2, new byte[] { 3, 2, 1, 6, 5, 4 })]
    [InlineData(SKEncodedOrigin.BottomRight, 3, 2, new byte[] { 6, 5, 4, 3, 2, 1 })]
    [InlineData(SKEncodedOrigin.BottomLeft, 3, 2, new byte[] { 4, 5, 6, 1, 2, 3 })]
    [InlineData(SKEncodedOrigin.LeftTop, 2, 3, new byte[] { 1, 4, 2, 5, 3, 6 })]
    [InlineData(SKEncodedOrigin.RightTop, 2, 3, new byte[] { 4, 1, 5, 2, 6, 3 })]
    [InlineData(SKEncodedOrigin.RightBottom, 2, 3, new byte[] { 6, 3, 5, 2, 4, 1 })]
    [InlineData(SKEncodedOrigin.LeftBottom, 2, 3, new byte[] { 3, 6, 2, 5, 1, 4 })]
    public void EachExifOrientationMapsPixelsAsTheStandardSays(
        SKEncodedOrigin origin,
        int width,
        int height,
        byte[] expected
    )
    {
        // Stored: 1 2 3 / 4 5 6 (3 wide, 2 high).
        RawImage shown = new RawImage(3, 2, 1, new byte[] { 1, 2, 3, 4, 5, 6 }).Oriented(origin);
        Assert.Equal((width, height), (shown.Width, shown.Height));
        Assert.Equal(expected, shown.Pixels);
    }

    [Fact]
    public void WhatTheCodecThrowsBecomesAnErrorNamingTheFile()
    {
        // A PNG header declaring a 1x1 image whose data is garbage after a valid signature.
        byte[] png = TestImages.Encode(new RawImage(1, 1, 1, new byte[] { 7 }), SKEncodedImageFormat.Png);
        byte[] broken = png.Take(png.Length - 20).Concat(new byte[20]).ToArray();
        var e = Assert.Throws<DataException>(() => ImageDecoder.Decode(broken, "broken.png"));
        Assert.StartsWith("broken.png:", e.Message);
    }

    internal static byte[] WithPngSize(byte[] png, int width, int height)
    {
        // IHDR is the first chunk: length (4) at 8, type at 12, width at 16, height at 20, CRC after its 13 bytes.
        byte[] copy = (byte[])png.Clone();
        WriteBigEndian(copy, 16, (uint)width);
        WriteBigEndian(copy, 20, (uint)height);
        WriteBigEndian(copy, 29, Crc32(copy.AsSpan(12, 17)));
        return copy;
    }

    internal static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        // APP1 "Exif" segment with a little-endian TIFF header and one IFD entry: tag 0x0112 (orientation), SHORT.
        byte[] exif =
        {
            (byte)'E',
            (byte)'x',
            (byte)'i',
            (byte)'f',
            0,
            0,
            (byte)'I',
            (byte)'I',
            42,
            0,
            8,
            0,
            0,
            0,
            1,
            0,
            0x12,
            0x01,
            3,
            0,
            1,
            0,
            0,
            0,
            (byte)orientation,
            (byte)(orientation >> 8),
            0,
            0,
            0,
            0,
            0,
            0,
        };
        int length = exif.Length + 2;
        byte[] segment = new byte[] { 0xFF, 0xE1, (byte)(length >> 8), (byte)length }
            .Concat(exif)
            .ToArray();
        return jpeg.Take(2).Concat(segment).Concat(jpeg.Skip(2)).ToArray();
    }

    private static void WriteBigEndian(byte[] buffer, int offset, uint value)
    {
        for (int i = 0; i < 4; i++)
            buffer[offset + i] = (byte)(value >> (24 - 8 * i));
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
