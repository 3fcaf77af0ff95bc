namespace TransferSharp.Analysis;

/// <summary>
/// Whether random shifts (pad-and-crop) show the network images the data never has: how many images sit where their
/// class's other images sit. In aligned data (Fashion-MNIST's centred items, registered scans, parts on a jig) most
/// images match their class's mean image best unshifted; where objects sit anywhere, the best shift is spread evenly.
/// </summary>
public static class Alignment
{
    /// <summary>Share of centred images above which the data counts as aligned: more than twice the share that shifts
    /// spread evenly give (<see cref="ChanceShare"/>).</summary>
    public const double AlignedAbove = 0.25;

    /// <summary>Shifts tried each way, in pixels of a 32-pixel side: pad-and-crop's 12.5 %.</summary>
    public const int MaxShift = 4;

    /// <summary>The centred share when every shift within <see cref="MaxShift"/> is as likely: 9 of 81.</summary>
    public const double ChanceShare = 9.0 / 81;

    /// <summary>
    /// The share of images (grey, side x side) whose best match to the mean of their class's other images, by
    /// normalised correlation over the central window, is a shift of at most one pixel each way, among shifts up to
    /// <see cref="MaxShift"/>. Classes of one image are left out; NaN when no class has two.
    /// </summary>
    public static double CentredShare(IReadOnlyList<ClassImages> classes, int side)
    {
        int window = side - 2 * MaxShift;
        if (window < 2)
            throw new ArgumentException($"side {side} is too small for shifts of {MaxShift} pixels.");
        int centred = 0,
            counted = 0;
        foreach (var (_, images) in classes)
        {
            if (images.Count < 2)
                continue;
            var sum = new double[side * side];
            foreach (double[] image in images)
                for (int p = 0; p < sum.Length; p++)
                    sum[p] += image[p];
            foreach (double[] image in images)
            {
                // The mean of the other images, centred over the window (leaving the image out: it matches itself).
                var template = new double[window * window];
                for (int y = 0; y < window; y++)
                for (int x = 0; x < window; x++)
                {
                    int p = (y + MaxShift) * side + x + MaxShift;
                    template[y * window + x] = (sum[p] - image[p]) / (images.Count - 1);
                }
                double mean = template.Average();
                for (int i = 0; i < template.Length; i++)
                    template[i] -= mean;
                (int dy, int dx) best = (0, 0);
                double bestScore = double.NegativeInfinity;
                for (int dy = -MaxShift; dy <= MaxShift; dy++)
                for (int dx = -MaxShift; dx <= MaxShift; dx++)
                {
                    double s = 0,
                        s2 = 0,
                        dot = 0;
                    for (int y = 0; y < window; y++)
                    for (int x = 0; x < window; x++)
                    {
                        double v = image[(y + MaxShift + dy) * side + x + MaxShift + dx];
                        s += v;
                        s2 += v * v;
                        dot += v * template[y * window + x];
                    }
                    // The template sums to zero, so the window's own mean drops out of the dot product.
                    double n = window * window,
                        spread = Math.Sqrt(Math.Max(s2 - s * s / n, 0)) + 1e-9,
                        score = dot / spread;
                    if (score > bestScore)
                        (bestScore, best) = (score, (dy, dx));
                }
                counted++;
                if (Math.Abs(best.dy) <= 1 && Math.Abs(best.dx) <= 1)
                    centred++;
            }
        }
        return counted == 0 ? double.NaN : (double)centred / counted;
    }
}
