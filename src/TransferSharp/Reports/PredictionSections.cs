using System.Globalization;
using System.Text;

namespace TransferSharp.Reports;

/// <summary>The confusion matrix, per-class precision and recall, and the top losses, from the test predictions (else
/// the held-out ones).</summary>
internal static class PredictionSections
{
    /// <summary>How many of the worst-scored images the report shows.</summary>
    public const int TopLossCount = 12;

    /// <summary>Adds the sections when the folder has predictions.</summary>
    public static void Add(HtmlPage page, ReportSources sources)
    {
        if (sources.Predictions is not { } predictions)
            return;
        var stats = new PredictionStats(predictions, sources.ClassNames.Count);
        string Name(int c) =>
            c < sources.ClassNames.Count ? sources.ClassNames[c] : c.ToString(CultureInfo.InvariantCulture);
        string on =
            $"On the {predictions.Labels.Length} {predictions.Source} images "
            + $"(accuracy {HtmlPage.Percent(stats.Accuracy)}).";
        page.Section(
            "confusion",
            "Confusion matrix",
            () =>
            {
                page.Paragraph($"{on} Rows are the true class, columns the predicted one; shading is the row's share.");
                page.Html(ConfusionTable(stats, Name));
            }
        );
        page.Section(
            "per-class",
            "Precision and recall per class",
            () =>
            {
                page.Paragraph(on, "muted");
                page.Table(
                    new[] { "class", "images", "precision", "recall" },
                    Enumerable
                        .Range(0, stats.Classes)
                        .Select(c =>
                            (IReadOnlyList<string>)
                                new[]
                                {
                                    Name(c),
                                    stats.Support(c).ToString(CultureInfo.InvariantCulture),
                                    HtmlPage.Percent(stats.Precision(c)),
                                    HtmlPage.Percent(stats.Recall(c)),
                                }
                        ),
                    new HashSet<int> { 1, 2, 3 }
                );
            }
        );
        page.Section("top-losses", "Top losses", () => TopLosses(page, sources, predictions, stats, Name));
    }

    private static string ConfusionTable(PredictionStats stats, Func<int, string> name)
    {
        var html = new StringBuilder(
            "<div class=\"scroll\"><table class=\"confusion\">\n<tr><th>true \\ predicted</th>"
        );
        for (int c = 0; c < stats.Classes; c++)
            html.Append($"<th class=\"pred\">{HtmlPage.Escape(name(c))}</th>");
        html.Append("</tr>\n");
        for (int t = 0; t < stats.Classes; t++)
        {
            html.Append($"<tr><th>{HtmlPage.Escape(name(t))}</th>");
            int total = stats.Support(t);
            for (int p = 0; p < stats.Classes; p++)
            {
                int count = stats.Confusion[t][p];
                html.Append($"<td{Shading(count, total, t == p)}>{count}</td>");
            }
            html.Append("</tr>\n");
        }
        return html.Append("</table></div>").ToString();
    }

    // Green on the diagonal, red off it, stronger for a larger share of the row; white text on the darkest cells.
    private static string Shading(int count, int total, bool correct)
    {
        if (count == 0 || total == 0)
            return "";
        double alpha = 0.1 + 0.8 * count / total;
        string rgb = correct ? "26, 127, 55" : "207, 34, 46";
        string text = alpha > 0.55 ? " color: #fff;" : "";
        return string.Create(CultureInfo.InvariantCulture, $" style=\"background: rgba({rgb}, {alpha:0.00});{text}\"");
    }

    private static void TopLosses(
        HtmlPage page,
        ReportSources sources,
        ScoredImages predictions,
        PredictionStats stats,
        Func<int, string> name
    )
    {
        var worst = stats.TopLosses(TopLossCount);
        page.Paragraph(
            $"The {worst.Count} {predictions.Source} images with the highest cross-entropy loss, highest first.",
            "muted"
        );
        if (predictions.Ids is null)
            page.Paragraph(
                "This run folder keeps no image ids (written before they were kept): no thumbnails.",
                "note"
            );
        var thumbnails = new Thumbnails(sources.Manifest?.ChannelsLast ?? false);
        var html = new StringBuilder("<div class=\"thumbs\">\n");
        foreach (TopLoss loss in worst)
        {
            html.Append("<figure class=\"thumb\">");
            if (loss.Id is { } id)
            {
                var (png, problem) = thumbnails.Png(id);
                html.Append(
                    png is null
                        ? $"<div class=\"missing\" title=\"{HtmlPage.Escape(problem)}\">image not readable</div>"
                        : HtmlPage.ImageTag(png, Path.GetFileName(id))
                );
            }
            string file = loss.Id is null ? $"image {loss.Index}" : Path.GetFileName(loss.Id);
            string predicted = HtmlPage.Probability(loss.PredictedProbability),
                truth = HtmlPage.Probability(loss.TrueProbability);
            html.Append(
                $"<figcaption><b>true:</b> {HtmlPage.Escape(name(loss.Label))}<br>"
                    + $"<b>predicted:</b> {HtmlPage.Escape(name(loss.Predicted))}<br>"
                    + $"p(predicted) {predicted}<br>p(true) {truth}<br>"
                    + $"loss {HtmlPage.Number(loss.Loss, "0.00")}<br>"
                    + $"<span class=\"muted\" title=\"{HtmlPage.Escape(loss.Id)}\">{HtmlPage.Escape(file)}</span>"
                    + "</figcaption>"
            );
            html.Append("</figure>\n");
        }
        page.Html(html.Append("</div>").ToString());
    }
}
