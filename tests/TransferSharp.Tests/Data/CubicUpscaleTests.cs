using TransferSharp.Data;

namespace TransferSharp.Tests.Data;

public class CubicUpscaleTests
{
    // Integer and fractional factors, one side unchanged, a 1-pixel side, the sizes the benches use (28 -> 112, 224).
    public static TheoryData<int, int, int, int> Sizes() =>
        new()
        {
            { 28, 28, 112, 112 },
            { 28, 28, 224, 224 },
            { 17, 23, 100, 57 },
            { 28, 28, 299, 299 },
            { 50, 40, 224, 224 },
            { 31, 9, 31, 40 },
            { 1, 5, 13, 5 },
            { 3, 3, 4, 97 },
        };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void GrayEnlargementsAreSkiasBitForBit(int width, int height, int toWidth, int toHeight) =>
        AssertSameAsSkia(1, width, height, toWidth, toHeight);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void RgbEnlargementsAreSkiasBitForBit(int width, int height, int toWidth, int toHeight) =>
        AssertSameAsSkia(3, width, height, toWidth, toHeight);

    [Fact]
    public void ResizeUsesItForEnlargementsOnlyAndShrinkingStaysWithSkia()
    {
        RawImage image = Random(1, 40, 30, seed: 5);

        Assert.True(CubicUpscale.Handles(image, 40, 31));
        Assert.False(CubicUpscale.Handles(image, 40, 30));
        Assert.False(CubicUpscale.Handles(image, 39, 64));
        Assert.Equal(image.ResizeWithSkia(20, 60).Pixels, image.Resize(20, 60).Pixels);
        Assert.Throws<ArgumentException>(() => CubicUpscale.Resize(image, 20, 60));
    }

    private static void AssertSameAsSkia(int channels, int width, int height, int toWidth, int toHeight)
    {
        for (int seed = 0; seed < 6; seed++)
        {
            RawImage image = Random(channels, width, height, seed);
            byte[] skia = image.ResizeWithSkia(toWidth, toHeight).Pixels;
            byte[] ours = CubicUpscale.Resize(image, toWidth, toHeight).Pixels;
            int differ = Enumerable.Range(0, skia.Length).Count(i => skia[i] != ours[i]);
            Assert.True(differ == 0, $"seed {seed}: {differ} of {skia.Length} bytes differ from SkiaSharp's");
        }
    }

    // Uniform noise, or sparse like Fashion-MNIST (half the pixels black): ties between neighbours, exact halves.
    private static RawImage Random(int channels, int width, int height, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * channels];
        random.NextBytes(pixels);
        if (seed % 2 == 0)
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = pixels[i] < 128 ? (byte)0 : pixels[i];
        return new RawImage(width, height, channels, pixels);
    }
}
