using System.Globalization;
using TransferSharp.Learning;

namespace TransferSharp.Reports;

/// <summary>The analyses fit records: domain distance per layer group, first-layer filters, frequency
/// response.</summary>
internal static class AnalysisSections
{
    /// <summary>Adds each section whose numbers or plot the folder holds.</summary>
    public static void Add(HtmlPage page, ReportSources sources)
    {
        FitReport record = sources.Record;
        if (record.DomainDistance is { } distance)
            page.Section("domain-distance", "Domain distance", () => DomainDistance(page, sources, distance));
        byte[]? filtersPng = sources.Png("filters.png");
        if (record.FirstLayerFilters is not null || filtersPng is not null)
            page.Section("filters", "First-layer filters", () => Filters(page, record.FirstLayerFilters, filtersPng));
        byte[]? frequencyPng = sources.Png(record.Frequency?.Plot ?? "frequency.png");
        if (record.Frequency is not null || frequencyPng is not null)
            page.Section("frequency", "Frequency analysis", () => Frequency(page, record.Frequency, frequencyPng));
    }

    private static void DomainDistance(HtmlPage page, ReportSources sources, DomainDistanceSummary distance)
    {
        if (distance.Skipped is { } reason)
        {
            page.Paragraph($"Not measured: {reason}");
            return;
        }
        page.Paragraph(
            "How far the statistics of your images, layer by layer, are from those the backbone's BatchNorm layers "
                + "stored in pretraining (symmetric KL divergence, mean over channels): the larger, the farther "
                + "your data is from the pretraining data at that depth.",
            "muted"
        );
        page.Facts(
            new (string, string?)[]
            {
                ("d (every BatchNorm layer)", HtmlPage.Number(distance.D)),
                ("images measured", distance.Images?.ToString(CultureInfo.InvariantCulture)),
            }
        );
        if (distance.PerGroup is { Count: > 0 } perGroup)
            page.Figure(
                ReportPlots.Bars("Domain distance per layer group", "d (symmetric KL)", perGroup),
                "d per layer group"
            );
        if (sources.Png(distance.Plot ?? "domain_distance.png") is { } png)
            page.Figure(png, "d per BatchNorm layer (domain_distance.png)");
    }

    private static void Filters(HtmlPage page, FilterSummary? filters, byte[]? png)
    {
        if (filters is not null)
            page.Facts(
                new (string, string?)[]
                {
                    ("layer", filters.Layer),
                    ("filters", filters.Filters.ToString(CultureInfo.InvariantCulture)),
                    (
                        "colour-opponent filters",
                        $"{filters.ColourOpponent} (a gray image replicated to three channels hardly excites them)"
                    ),
                    ("threshold (gray-excitable share)", HtmlPage.Number(filters.Threshold)),
                    ("gray-excitable energy share", HtmlPage.Percent(filters.GrayExcitableEnergyShare)),
                }
            );
        if (png is not null)
            page.Figure(png, "The pretrained first-layer filters (filters.png)");
    }

    private static void Frequency(HtmlPage page, FrequencySummary? frequency, byte[]? png)
    {
        if (frequency is not null)
        {
            page.Paragraph(frequency.Verdict, "verdict");
            page.Facts(
                new (string, string?)[]
                {
                    ("cutoff", $"{HtmlPage.Number(frequency.Cutoff, "0.###")} cycles per pixel"),
                    ("your images' energy above it", HtmlPage.Percent(frequency.ShareAboveCutoff)),
                    ("natural images' energy above it", HtmlPage.Percent(frequency.NaturalShareAboveCutoff)),
                    ("the stem's attenuation above it", $"{HtmlPage.Number(frequency.AttenuationDb, "0.0")} dB"),
                    ("early layers must train", frequency.TuneEarlyLayers ? "yes" : "no"),
                }
            );
            page.Table(
                new[] { "layer group", "gain at high against low frequencies (dB)" },
                frequency.HighToLowDb.Select(p =>
                    (IReadOnlyList<string>)new[] { p.Key, HtmlPage.Number(p.Value, "0.0") }
                ),
                new HashSet<int> { 1 }
            );
        }
        if (png is not null)
            page.Figure(png, "Frequency response per layer group (frequency.png)");
    }
}
