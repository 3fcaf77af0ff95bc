using TransferSharp.Analysis;
using TransferSharp.Data;

namespace TransferSharp.Tests.Analysis;

public class OrientationTests
{
    /// <summary>Advice inputs of a plain task (900 images, 3 classes, one channel) for the data checks.</summary>
    internal static readonly AdviceInputs PlainTask = new(
        900,
        3,
        300,
        1,
        0.5,
        false,
        new Dictionary<string, long> { ["fine-tune"] = 1000 }
    );

    private sealed class MemoryImage(RawImage image, string id) : IImageSource
    {
        public string Id => id;

        public byte[] ContentBytes() => image.Pixels;

        public RawImage Decode() => image;
    }

    /// <summary>A 16 x 16 grey image: background 20, a bright bar (200) from column <paramref name="from"/> to
    /// <paramref name="to"/>, plus noise.</summary>
    private static RawImage Bar(int from, int to, Random random)
    {
        var pixels = new byte[16 * 16];
        for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++)
            pixels[y * 16 + x] = (byte)Math.Clamp((x >= from && x <= to ? 200 : 20) + random.Next(-15, 16), 0, 255);
        return new RawImage(16, 16, 1, pixels);
    }

    [Fact]
    public void MirrorAsymmetryIsZeroForSymmetricImagesAndOneForDisjointHalves()
    {
        int side = 4;
        double[] symmetric = { 1, 2, 2, 1, 0, 5, 5, 0, 3, 3, 3, 3, 1, 0, 0, 1 };
        Assert.Equal(0, Orientation.MirrorAsymmetry(symmetric, side), 12);
        double[] leftHalf = Enumerable.Range(0, 16).Select(i => i % side < 2 ? 1.0 : 0.0).ToArray();
        Assert.Equal(1, Orientation.MirrorAsymmetry(leftHalf, side), 12);
        // Its negative too.
        Assert.Equal(1, Orientation.MirrorAsymmetry(leftHalf.Select(v => 255 - v).ToArray(), side), 12);
        Assert.Equal(0, Orientation.MirrorAsymmetry(new double[16], side)); // flat
        Assert.Throws<ArgumentException>(() => Orientation.MirrorAsymmetry(new double[15], side));
    }

    [Fact]
    public void AClassThatFacesOneWayIsOrientedAndAClassInBothPosesIsNot()
    {
        var random = new Random(7);
        var items = new List<LabeledImage>();
        // Class 0 "boot": the bar always on the left. Class 1 "shirt": centred. Class 2 "glove": left or right at
        // random.
        for (int i = 0; i < 30; i++)
        {
            items.Add(new LabeledImage(new MemoryImage(Bar(1, 5, random), $"boot{i}"), 0));
            items.Add(new LabeledImage(new MemoryImage(Bar(6, 9, random), $"shirt{i}"), 1));
            items.Add(
                new LabeledImage(
                    new MemoryImage(random.Next(2) == 0 ? Bar(1, 5, random) : Bar(10, 14, random), $"glove{i}"),
                    2
                )
            );
        }
        var data = new ImageDataset(items, new[] { "boot", "shirt", "glove" }, "memory");
        var asymmetry = Orientation.PerClass(data, side: 16);
        Assert.True(asymmetry["boot"] > 0.5, $"boot {asymmetry["boot"]:F3}");
        Assert.True(asymmetry["shirt"] < 0.1, $"shirt {asymmetry["shirt"]:F3}");
        Assert.True(asymmetry["glove"] < Orientation.OrientedAbove, $"glove {asymmetry["glove"]:F3}");

        // The advice: no flips, naming the oriented class; with every class symmetric, flips.
        Advice Advise(IReadOnlyDictionary<string, double> a) =>
            StrategyAdvisor.Advise(PlainTask with { MirrorAsymmetry = a });
        Advice oriented = Advise(asymmetry);
        Assert.False(oriented.RandomFlips);
        Assert.Contains("--no-flip", oriented.Explanation);
        Assert.Contains("boot", oriented.Explanation);
        Assert.DoesNotContain("shirt", oriented.Explanation);
        Advice symmetric = Advise(new Dictionary<string, double> { ["shirt"] = 0.02, ["glove"] = 0.05 });
        Assert.True(symmetric.RandomFlips);
        Assert.Null(
            StrategyAdvisor
                .Advise(new AdviceInputs(900, 3, 300, 1, 0.5, false, new Dictionary<string, long>()))
                .RandomFlips
        );
    }
}
