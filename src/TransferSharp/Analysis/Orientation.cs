using TransferSharp.Data;
using TransferSharp.Progress;

namespace TransferSharp.Analysis;

/// <summary>
/// Whether random horizontal flips show the network images the data never has: how much each class's mean image changes
/// under a mirror. Classes seen in every pose average to a symmetric blur; classes that always face one way (shoes,
/// digits, text, oriented parts) keep a one-sided mean image (bench/README.md, "Time to accuracy").
/// </summary>
public static class Orientation
{
    /// <summary>Mirror asymmetry above which a class counts as oriented.</summary>
    public const double OrientedAbove = 0.25;

    /// <summary>
    /// The mirror asymmetry of a square grey image <paramref name="mean"/> (side x side, row-major): sum |m -
    /// mirror(m)| / (2 sum |m - mean(m)|): 0 for a mirror-symmetric image, 1 when its contrast and its mirror's do not
    /// overlap at all; the same for the image and its negative. 0 for a flat image.
    /// </summary>
    public static double MirrorAsymmetry(double[] mean, int side)
    {
        if (mean.Length != side * side)
            throw new ArgumentException($"expected {side * side} values, got {mean.Length}");
        double average = mean.Average(),
            contrast = 0,
            difference = 0;
        for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
        {
            double v = mean[y * side + x];
            contrast += Math.Abs(v - average);
            difference += Math.Abs(v - mean[y * side + side - 1 - x]);
        }
        return contrast <= 1e-12 ? 0 : difference / (2 * contrast);
    }

    /// <summary>
    /// Every class's mirror asymmetry beyond chance: that of its mean image (grey, resized to <paramref name="side"/> x
    /// <paramref name="side"/>, over at most <paramref name="perClass"/> of its images, spread over the class) minus
    /// the mean asymmetry of the same images averaged after flipping each with probability 1/2 (<paramref
    /// name="draws"/> draws), which is what a class with no orientation scores on a sample this size: the mean of ten
    /// high-pass images is lopsided by chance alone. At most <paramref name="budget"/> images in all. Classes without
    /// images are left out; images that do not decode are skipped (the fit reports them).
    /// </summary>
    public static IReadOnlyDictionary<string, double> PerClass(
        ImageDataset data,
        int perClass = 50,
        int side = 32,
        int draws = 10,
        int seed = 0,
        int budget = 500,
        IProgress<Progress.ProgressUpdate>? progress = null
    ) => PerClass(GreyImages(data, perClass, side, budget, progress), side, draws, seed);

    /// <summary>The mirror asymmetry beyond chance of each class's images (grey, side x side; see <see
    /// cref="PerClass(ImageDataset, int, int, int, int, int, IProgress{Progress.ProgressUpdate}?)"/>).</summary>
    public static IReadOnlyDictionary<string, double> PerClass(
        IReadOnlyList<ClassImages> classes,
        int side,
        int draws = 10,
        int seed = 0
    )
    {
        var random = new Random(seed);
        var result = new Dictionary<string, double>();
        foreach (var (name, images) in classes)
        {
            double[] Mean(Func<int, bool> flipped)
            {
                var sum = new double[side * side];
                for (int i = 0; i < images.Count; i++)
                for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                    sum[y * side + x] += images[i][y * side + (flipped(i) ? side - 1 - x : x)];
                return sum.Select(v => v / images.Count).ToArray();
            }
            double observed = MirrorAsymmetry(Mean(_ => false), side);
            double chance = Enumerable
                .Range(0, draws)
                .Select(_ =>
                {
                    bool[] flips = images.Select(_ => random.Next(2) == 1).ToArray();
                    return MirrorAsymmetry(Mean(i => flips[i]), side);
                })
                .Average();
            result[name] = Math.Max(0, observed - chance);
        }
        return result;
    }

    /// <summary>
    /// Grey images of every class (side x side, spread over the class), at most <paramref name="perClass"/> each and
    /// <paramref name="budget"/> in all (decoding large photographs is the cost), at least 2 per class. Classes without
    /// images are left out; images that do not decode are skipped (the fit reports them).
    /// </summary>
    public static IReadOnlyList<ClassImages> GreyImages(
        ImageDataset data,
        int perClass = 50,
        int side = 32,
        int budget = 500,
        IProgress<Progress.ProgressUpdate>? progress = null
    )
    {
        var result = new List<ClassImages>();
        perClass = Math.Min(perClass, Math.Max(2, budget / Math.Max(1, data.ClassNames.Count)));
        using var task = progress?.Begin("orientation: class mean images", data.ClassNames.Count);
        for (int c = 0; c < data.ClassNames.Count; c++)
        {
            task?.Advance(1);
            var members = Enumerable.Range(0, data.Count).Where(i => data.Items[i].Label == c).ToArray();
            int step = Math.Max(1, members.Length / perClass);
            var images = new List<double[]>();
            for (int k = 0; k < members.Length && images.Count < perClass; k += step)
            {
                RawImage image;
                try
                {
                    image = data.Items[members[k]].Source.Decode().Resize(side, side);
                }
                catch (DataException)
                {
                    continue;
                }
                var grey = new double[side * side];
                for (int p = 0; p < grey.Length; p++)
                {
                    for (int ch = 0; ch < image.Channels; ch++)
                        grey[p] += image.Pixels[p * image.Channels + ch];
                    grey[p] /= image.Channels;
                }
                images.Add(grey);
            }
            if (images.Count > 0)
                result.Add(new ClassImages(data.ClassNames[c], images));
        }
        return result;
    }
}
