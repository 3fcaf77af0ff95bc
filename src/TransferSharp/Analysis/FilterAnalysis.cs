using SkiaSharp;
using TransferSharp.Backbones;
using static TorchSharp.torch;

namespace TransferSharp.Analysis;

/// <summary>
/// How much of a backbone's first layer a grayscale image copied into three channels can reach. A filter whose weights
/// over R, G and B sum to about zero (colour-opponent) sees zero for any gray input: replicating gray blinds it, and a
/// learnable channel adapter (or weight-sum) is what gives it a signal again.
/// </summary>
public static class FilterAnalysis
{
    /// <summary>Analyses a weight tensor [out, in, kh, kw] (in = the colour channels).</summary>
    public static FilterReport Analyse(Tensor weight, string layer = "conv1", double threshold = 0.2)
    {
        if (weight.dim() != 4)
            throw new ArgumentException($"expected a 4-D convolution weight, got {weight.dim()} dimensions");
        using var scope = NewDisposeScope();
        Tensor w = weight.detach().cpu().to(ScalarType.Float64);
        long channels = w.shape[1];
        double[] energy = w.pow(2).sum(new long[] { 1, 2, 3 }).data<double>().ToArray();
        double[] summed = w.sum(new long[] { 1 }).pow(2).sum(new long[] { 1, 2 }).data<double>().ToArray();
        var filters = energy
            .Select(
                (e, i) =>
                {
                    double share = e > 0 ? summed[i] / (channels * e) : 0;
                    return new FilterExcitation(i, e, share, share < threshold);
                }
            )
            .ToList();
        double weighted = energy.Sum() > 0 ? summed.Sum() / (channels * energy.Sum()) : 0;
        return new FilterReport(layer, filters, threshold, filters.Count(f => f.ColourOpponent), weighted);
    }

    /// <summary>Analyses a backbone's first convolution.</summary>
    public static FilterReport Analyse(Backbone backbone, double threshold = 0.2)
    {
        var first =
            backbone.Network.FirstConvolution()
            ?? throw new ArgumentException($"{backbone.Config.Name}: the network has no convolution");
        return Analyse(first.weight, first.node.Name, threshold);
    }

    /// <summary>
    /// A PNG grid of the first-layer filters (each scaled to its own range, shown in R, G, B order; the backbone's
    /// channel order is undone), colour-opponent ones framed in red.
    /// </summary>
    public static void WriteGrid(Backbone backbone, FilterReport report, string path, int scale = 8)
    {
        var first = backbone.Network.FirstConvolution() ?? throw new ArgumentException("no convolution");
        using var scope = NewDisposeScope();
        Tensor w = first.weight.detach().cpu().to(ScalarType.Float32);
        if (w.shape[1] == 3 && backbone.Config.ChannelOrder == ChannelOrder.Bgr)
            w = w.flip(1);
        int count = (int)w.shape[0],
            kh = (int)w.shape[2],
            kw = (int)w.shape[3],
            channels = (int)w.shape[1];
        int columns = (int)Math.Ceiling(Math.Sqrt(count)),
            rows = (count + columns - 1) / columns;
        int cell = Math.Max(kh, kw) * scale + 4;
        using var bitmap = new SKBitmap(columns * cell, rows * cell);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        for (int f = 0; f < count; f++)
        {
            float[] values = w[f].data<float>().ToArray(); // [C, kh, kw]
            float min = values.Min(),
                max = values.Max(),
                range = Math.Max(max - min, 1e-12f);
            int x0 = (f % columns) * cell + 2,
                y0 = (f / columns) * cell + 2;
            if (report.Filters[f].ColourOpponent)
                canvas.DrawRect(
                    x0 - 2,
                    y0 - 2,
                    cell,
                    cell,
                    new SKPaint { Color = SKColors.Red, Style = SKPaintStyle.Fill }
                );
            for (int y = 0; y < kh; y++)
            for (int x = 0; x < kw; x++)
            {
                byte Channel(int c) =>
                    (byte)
                        Math.Clamp(255 * (values[(Math.Min(c, channels - 1) * kh + y) * kw + x] - min) / range, 0, 255);
                using var paint = new SKPaint { Color = new SKColor(Channel(0), Channel(1), Channel(2)) };
                canvas.DrawRect(x0 + x * scale, y0 + y * scale, scale, scale, paint);
            }
        }
        using SKData png = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Png, 100);
        using FileStream file = File.Create(path);
        png.SaveTo(file);
    }
}
