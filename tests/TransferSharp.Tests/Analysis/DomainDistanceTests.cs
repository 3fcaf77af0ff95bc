using TransferSharp.Analysis;
using TransferSharp.Backbones;
using TransferSharp.Data;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Analysis;

public class DomainDistanceTests
{
    private const int Size = 112,
        Count = 32;

    /// <summary>
    /// Natural-looking colour images by the dead-leaves model (occluding disks with power-law radii, as natural scenes'
    /// objects are): edges, flat regions and a roughly 1/f² power spectrum, with natural-ish colours.
    /// </summary>
    public static byte[] NaturalLooking(int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[Size * Size * 3];
        for (int k = 0; k < 400; k++)
        {
            double u = random.NextDouble();
            // p(r) ~ 1/r^3 on [2, 40].
            double radius = 1 / Math.Sqrt(1.0 / (2 * 2) - u * (1.0 / (2 * 2) - 1.0 / (40 * 40)));
            double cx = random.NextDouble() * Size,
                cy = random.NextDouble() * Size;
            double gray = 30 + random.NextDouble() * 190;
            byte r = (byte)Math.Clamp(gray + random.Next(-40, 41), 0, 255),
                g = (byte)Math.Clamp(gray + random.Next(-25, 26), 0, 255),
                b = (byte)Math.Clamp(gray + random.Next(-40, 41), 0, 255);
            for (int y = Math.Max(0, (int)(cy - radius)); y < Math.Min(Size, (int)(cy + radius) + 1); y++)
            for (int x = Math.Max(0, (int)(cx - radius)); x < Math.Min(Size, (int)(cx + radius) + 1); x++)
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius)
                {
                    int i = (y * Size + x) * 3;
                    pixels[i] = r;
                    pixels[i + 1] = g;
                    pixels[i + 2] = b;
                }
        }
        // Texture on top: random-phase gratings with a 1/f amplitude spectrum.
        var texture = new double[Size * Size];
        for (int k = 0; k < 40; k++)
        {
            double f = 2 + random.NextDouble() * 40,
                theta = random.NextDouble() * Math.PI,
                phase = random.NextDouble() * 2 * Math.PI;
            double fx = f * Math.Cos(theta) / Size,
                fy = f * Math.Sin(theta) / Size;
            for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
                texture[y * Size + x] += 60 / f * Math.Cos(2 * Math.PI * (fx * x + fy * y) + phase);
        }
        for (int i = 0; i < Size * Size; i++)
        for (int c = 0; c < 3; c++)
            pixels[i * 3 + c] = (byte)Math.Clamp(pixels[i * 3 + c] + texture[i], 0, 255);
        return pixels;
    }

    private static double Distance(Backbone backbone, Func<int, byte[]> image, int channels)
    {
        byte[] all = Enumerable.Range(0, Count).SelectMany(image).ToArray();
        var batches = new[] { tensor(all, new long[] { Count, Size, Size, channels }, ScalarType.Byte) };
        return DomainDistance.Measure(backbone, batches).Overall;
    }

    [Fact]
    public void DistanceOrdersNaturalImagesBeforeFashionMnistBeforeNoise()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, Size);
        double natural = Distance(backbone, NaturalLooking, 3);
        var fashion = DatasetLoader
            .Load(EmbeddedData.TrainImages)
            .Items.Take(Count)
            .Select(i => i.Source.Decode().Resize(Size, Size).Pixels)
            .ToArray();
        double fashionMnist = Distance(backbone, i => fashion[i], 1);
        double noise = Distance(
            backbone,
            i =>
            {
                var r = new Random(i);
                var p = new byte[Size * Size * 3];
                r.NextBytes(p);
                return p;
            },
            3
        );
        Assert.True(
            natural < fashionMnist && fashionMnist < noise,
            $"natural {natural}, Fashion-MNIST {fashionMnist}, noise {noise}"
        );
    }

    [Fact]
    public void SymmetricKlIsZeroForEqualGaussiansAndSymmetric()
    {
        Assert.Equal(0, DomainDistance.SymmetricKl(1.5, 2, 1.5, 2), 12);
        Assert.Equal(DomainDistance.SymmetricKl(0, 1, 2, 3), DomainDistance.SymmetricKl(2, 3, 0, 1), 12);
        Assert.True(DomainDistance.SymmetricKl(0, 1, 3, 1) > DomainDistance.SymmetricKl(0, 1, 1, 1));
    }
}
