using TorchSharp;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Training;

public class AugmentationTests
{
    [Fact]
    public void RandomErasingFillsOneRectangleOfEachChosenImageWithTheBatchStatistics()
    {
        // Half the images at 0 and half at 10: the batch's mean is 5 and its spread 5.
        using var x = cat(new[] { zeros(8, 3, 32, 32), full(new long[] { 8, 3, 32, 32 }, 10f) });
        var options = AugmentationOptions.Off with { Erasing = 1 };
        Assert.False(options.IsOff);
        using Tensor y = options.Apply(x, new Random(1));
        Assert.Equal(x.shape, y.shape);
        for (int i = 0; i < 16; i++)
        {
            using Tensor changed = y[i].ne(x[i]).any(0);
            long area = changed.sum().item<long>();
            // 2-33 % of 1,024 pixels, every channel of a pixel at once, inside one bounding box.
            Assert.InRange(area, 0.015 * 1024, 0.34 * 1024);
            using Tensor rows = changed.any(1).nonzero(),
                columns = changed.any(0).nonzero();
            long box =
                (rows.max().item<long>() - rows.min().item<long>() + 1)
                * (columns.max().item<long>() - columns.min().item<long>() + 1);
            Assert.True(area > 0.9 * box, $"image {i}: {area} changed pixels in a {box}-pixel box");
        }
        using Tensor erased = y.masked_select(y.ne(x));
        Assert.InRange(erased.mean().item<float>(), 3.5f, 6.5f);
        Assert.InRange(erased.std().item<float>(), 3.5f, 6.5f);
        // The input is left as it was.
        Assert.Equal(0f, x.narrow(0, 0, 8).abs().sum().item<float>());
    }

    [Fact]
    public void RandomErasingFollowsItsProbabilityAndItsSeed()
    {
        using var generator = new Generator(3);
        using var x = randn(new long[] { 200, 1, 16, 16 }, generator: generator);
        var options = AugmentationOptions.Off with { Erasing = 0.25 };
        using Tensor a = options.Apply(x, new Random(7)),
            b = options.Apply(x, new Random(7));
        Assert.True(a.equal(b).all().item<bool>());
        long erased = a.ne(x).flatten(1).any(1).sum().item<long>();
        Assert.InRange(erased, 30, 70);
        using Tensor none = AugmentationOptions.Off.Apply(x, new Random(7));
        Assert.True(none.equal(x).all().item<bool>());
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void AnErasingProbabilityOutsideZeroToOneIsRefusedByName(double p)
    {
        var error = Assert.Throws<OptionException>(() => (AugmentationOptions.Off with { Erasing = p }).Validate());
        Assert.Contains("AugmentationOptions.Erasing", error.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void ErasingFromZeroToOneIsAccepted(double p) => (new AugmentationOptions() with { Erasing = p }).Validate();
}
