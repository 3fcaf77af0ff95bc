using System.Globalization;
using ScottPlot;
using TransferSharp.Training;

namespace TransferSharp.Reports;

/// <summary>The report's plots (ScottPlot), as PNG bytes to inline.</summary>
internal static class ReportPlots
{
    // ScottPlot's default font is the system's default, a serif on many Linux machines: the page's sans-serif
    // instead, the first installed of these (Skia answers a missing family with its default).
    private static readonly string? sansFont = new[]
    {
        "DejaVu Sans",
        "Liberation Sans",
        "Arial",
        "Helvetica",
    }.FirstOrDefault(name => Fonts.GetTypeface(name, false, false)?.FamilyName == name);

    /// <summary>
    /// A training and a validation curve over the epochs (the scored start as epoch 0 on the validation curve), with a
    /// vertical line, labelled with the new stage, wherever the stage changes.
    /// </summary>
    public static byte[] Curve(
        string title,
        string yLabel,
        IReadOnlyList<EpochResult> epochs,
        Func<EpochResult, double> train,
        Func<EpochResult, double> validation,
        double? start,
        Alignment legend
    )
    {
        var plot = new Plot();
        double[] xs = epochs.Select(e => (double)e.Epoch).ToArray();
        AddLine(plot, xs, epochs.Select(train).ToArray(), "training");
        double[] valXs = start is null ? xs : xs.Prepend(0).ToArray();
        double[] valYs = epochs.Select(validation).ToArray();
        AddLine(plot, valXs, start is { } s ? valYs.Prepend(s).ToArray() : valYs, "validation");
        for (int i = 1; i < epochs.Count; i++)
            if (epochs[i].Stage != epochs[i - 1].Stage)
            {
                var line = plot.Add.VerticalLine(epochs[i].Epoch - 0.5, 1.5f, Colors.Gray, LinePattern.Dashed);
                line.Text = epochs[i].Stage;
                line.LabelOppositeAxis = true;
                line.ExcludeFromLegend = true;
            }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(legend);
        return Finish(plot, title, start is null ? "epoch" : "epoch (0 = the scored start)", yLabel, 620, 400);
    }

    /// <summary>
    /// Each layer group's learning rate at the start of each epoch, one line per group: on a log scale when every rate
    /// is positive (discriminative rates span decades), else linear.
    /// </summary>
    public static byte[] LearningRates(IReadOnlyList<EpochResult> epochs)
    {
        var plot = new Plot();
        var groups = epochs.SelectMany(e => e.LearningRates.Keys).Distinct().ToList();
        bool log = epochs.All(e => e.LearningRates.Values.All(r => r > 0 && double.IsFinite(r)));
        foreach (string group in groups)
        {
            var points = epochs.Where(e => e.LearningRates.ContainsKey(group)).ToList();
            double[] xs = points.Select(e => (double)e.Epoch).ToArray();
            double[] ys = points.Select(e => e.LearningRates[group]).Select(r => log ? Math.Log10(r) : r).ToArray();
            var line = AddLine(plot, xs, ys, group);
            line.MarkerSize = 5;
        }
        if (log)
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                IntegerTicksOnly = true,
                LabelFormatter = v => Math.Pow(10, v).ToString("0.#E+0", CultureInfo.InvariantCulture),
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            };
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Edge.Right);
        return Finish(
            plot,
            "Learning rate per layer group",
            "epoch",
            log ? "learning rate (log scale)" : "learning rate",
            900,
            430
        );
    }

    /// <summary>A bar per named value, labelled with the value.</summary>
    public static byte[] Bars(string title, string yLabel, IReadOnlyDictionary<string, double> values)
    {
        var plot = new Plot();
        var names = values.Keys.ToArray();
        var bars = names
            .Select(
                (name, i) =>
                    new Bar
                    {
                        Position = i,
                        Value = values[name],
                        Label = values[name].ToString("0.###", CultureInfo.InvariantCulture),
                        FillColor = Colors.SteelBlue,
                    }
            )
            .ToArray();
        var plottable = plot.Add.Bars(bars);
        plottable.ValueLabelStyle.FontSize = 13;
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, names.Length).Select(i => (double)i).ToArray(), names);
        plot.Axes.Margins(bottom: 0);
        return Finish(plot, title, "layer group (input to output)", yLabel, 900, 400);
    }

    private static ScottPlot.Plottables.Scatter AddLine(Plot plot, double[] xs, double[] ys, string label)
    {
        // Non-finite entries (a diverged epoch) are left out: ScottPlot cannot scale its axes to them.
        var kept = xs.Zip(ys).Where(p => double.IsFinite(p.Second)).ToArray();
        var line = plot.Add.Scatter(kept.Select(p => p.First).ToArray(), kept.Select(p => p.Second).ToArray());
        line.LegendText = label;
        line.LineWidth = 2;
        line.MarkerSize = 6;
        return line;
    }

    private static byte[] Finish(Plot plot, string title, string xLabel, string yLabel, int width, int height)
    {
        if (sansFont is not null)
            plot.Font.Set(sansFont);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }
}
