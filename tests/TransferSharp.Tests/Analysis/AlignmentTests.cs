using TransferSharp.Analysis;
using TransferSharp.Learning;
using TransferSharp.Strategies;
using TransferSharp.Strategies.Auto;
using TransferSharp.Training;

namespace TransferSharp.Tests.Analysis;

public class AlignmentTests
{
    private const int Side = 32;

    /// <summary>Grey 32 x 32: background 20, the class's shape (a rectangle <paramref name="w"/> x <paramref
    /// name="h"/>, 200) with its top-left corner at (<paramref name="x"/>, <paramref name="y"/>), plus noise.</summary>
    private static double[] Shape(int x, int y, int w, int h, Random random)
    {
        var image = new double[Side * Side];
        for (int r = 0; r < Side; r++)
        for (int c = 0; c < Side; c++)
            image[r * Side + c] = (c >= x && c < x + w && r >= y && r < y + h ? 200 : 20) + random.Next(-15, 16);
        return image;
    }

    private static List<ClassImages> Classes(Func<Random, (int x, int y)> place)
    {
        var random = new Random(3);
        var shapes = new[] { (w: 8, h: 16), (w: 16, h: 8), (w: 12, h: 12) };
        return shapes
            .Select(
                (s, k) =>
                    new ClassImages(
                        $"class{k}",
                        Enumerable
                            .Range(0, 30)
                            .Select(_ =>
                            {
                                var (x, y) = place(random);
                                return Shape(x, y, s.w, s.h, random);
                            })
                            .ToList()
                    )
            )
            .ToList();
    }

    [Fact]
    public void ImagesThatSitWhereTheirClassSitsAreAlignedAndImagesPlacedAnywhereAreNot()
    {
        // Every shape at the same place, give or take a pixel: aligned.
        double aligned = Alignment.CentredShare(Classes(r => (10 + r.Next(-1, 2), 8 + r.Next(-1, 2))), Side);
        Assert.True(aligned > 0.9, $"aligned {aligned:F3}");
        // Placed anywhere within the shifts tried (and beyond): near the chance share, below the threshold.
        double anywhere = Alignment.CentredShare(Classes(r => (r.Next(2, 16), r.Next(2, 14))), Side);
        Assert.True(anywhere < Alignment.AlignedAbove, $"anywhere {anywhere:F3}");
        Assert.True(double.IsNaN(Alignment.CentredShare([new ClassImages("one", [new double[Side * Side]])], Side)));
        Assert.Throws<ArgumentException>(() => Alignment.CentredShare([], 9));
    }

    [Fact]
    public void AlignedImagesAreAdvisedAgainstShiftsAndAutoTrainsWithoutThemUnlessToldToKeepThem()
    {
        Advice Advise(double? centred) =>
            StrategyAdvisor.Advise(OrientationTests.PlainTask with { CentredShare = centred });
        Advice aligned = Advise(0.39);
        Assert.False(aligned.RandomShifts);
        Assert.Contains("--augment none", aligned.Explanation);
        Assert.Contains("39 %", aligned.Explanation);
        Assert.True(Advise(0.12).RandomShifts);
        Assert.Null(Advise(null).RandomShifts);

        var options = new LearnerOptions { Strategy = new AutoOptions() };
        CropKind Crop(LearnerOptions given, AutoOptions auto, Advice advice) =>
            AutoDecision.Chosen(given, auto, StrategyRegistry.LpFt, advice).Training.Augmentation.Crop;
        Assert.Equal(CropKind.None, Crop(options, new AutoOptions(), aligned));
        Assert.Equal(CropKind.PadCrop, Crop(options, new AutoOptions { FollowShiftAdvice = false }, aligned));
        Assert.Equal(CropKind.PadCrop, Crop(options, new AutoOptions(), Advise(0.12)));
        // A crop asked for other than the default is the user's: kept.
        var resized = options with
        {
            Training = options.Training with
            {
                Augmentation = options.Training.Augmentation with { Crop = CropKind.RandomResized },
            },
        };
        Assert.Equal(CropKind.RandomResized, Crop(resized, new AutoOptions(), aligned));
        // Feature extraction trains no network: its options are untouched.
        Assert.Equal(
            options.Training.Augmentation,
            AutoDecision
                .Chosen(options, new AutoOptions(), StrategyRegistry.FeatureExtraction, aligned)
                .Training.Augmentation
        );
    }
}
