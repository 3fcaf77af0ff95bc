namespace TransferSharp.IO;

/// <summary>PNG plots (ScottPlot).</summary>
public static class Plots
{
    /// <summary>Writes a line plot of <paramref name="ys"/> against <paramref name="xs"/>; optional vertical
    /// markers.</summary>
    public static void Line(
        string path,
        string title,
        string xLabel,
        string yLabel,
        double[] xs,
        double[] ys,
        IReadOnlyList<(double x, string label)>? markers = null,
        int width = 800,
        int height = 500
    )
    {
        var plot = new ScottPlot.Plot();
        var line = plot.Add.Scatter(xs, ys);
        line.MarkerSize = 0;
        line.LineWidth = 2;
        foreach (var (x, label) in markers ?? Array.Empty<(double, string)>())
        {
            var marker = plot.Add.VerticalLine(x);
            marker.LegendText = label;
        }
        if (markers is { Count: > 0 })
            plot.ShowLegend();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.SavePng(path, width, height);
    }
}
