using System.Globalization;
using TransferSharp.Learning;

namespace TransferSharp.Reports;

/// <summary>"What was run and why": under auto, the advice and the pilots that confirmed or replaced it.</summary>
internal static class DecisionSection
{
    /// <summary>Adds the section when the record has advice or pilots.</summary>
    public static void Add(HtmlPage page, FitReport record)
    {
        if (record.Advice is null && record.Pilot is null)
            return;
        page.Section(
            "decision",
            "What was run and why",
            () =>
            {
                if (record.Advice is { } advice)
                    Advice(page, advice);
                if (record.Pilot is { } pilot)
                    Pilots(page, pilot, record.Strategy);
            }
        );
    }

    private static void Advice(HtmlPage page, AdviceRecord advice)
    {
        page.Heading("Advice");
        page.Facts(
            new (string, string?)[]
            {
                ("requested", advice.Requested),
                ("regime", advice.Regime),
                ("advised strategy", advice.Strategy),
                ("input adapter", advice.Adapter),
                ("alternatives", advice.Alternatives.Count > 0 ? string.Join(", ", advice.Alternatives) : "none"),
                ("feature layers", advice.FeatureLayers is { } layers ? string.Join(", ", layers) : null),
                ("random flips", advice.RandomFlips is { } flips ? (flips ? "yes" : "no") : null),
            }
        );
        page.Paragraph(advice.Explanation);
    }

    private static void Pilots(HtmlPage page, PilotReport pilot, string strategy)
    {
        page.Heading("Pilots");
        if (pilot.Skipped is { } reason)
        {
            page.Paragraph($"No pilots ran: {reason}");
            return;
        }
        if (pilot.Candidates is { Count: > 0 } candidates)
            page.Table(
                new[] { "strategy", "validation accuracy", "seconds", "epochs", "training share", "margin needed", "" },
                candidates.Select(c =>
                    (IReadOnlyList<string>)
                        new[]
                        {
                            c.Strategy,
                            HtmlPage.Percent(c.ValAccuracy),
                            HtmlPage.Number(c.Seconds, "0.0"),
                            c.Epochs?.ToString(CultureInfo.InvariantCulture) ?? "–",
                            HtmlPage.Percent(c.TrainFraction),
                            c.MarginNeeded is null ? "–" : HtmlPage.Percent(c.MarginNeeded),
                            c.Strategy == (pilot.Winner ?? strategy) ? "winner" : "",
                        }
                ),
                new HashSet<int> { 1, 2, 3, 4, 5 }
            );
        page.Facts(
            new (string, string?)[]
            {
                ("winner", pilot.Winner),
                ("rule", pilot.Rule),
                ("validation images", pilot.ValidationImages?.ToString(CultureInfo.InvariantCulture)),
                ("pilots' time", pilot.Seconds is null ? null : $"{HtmlPage.Number(pilot.Seconds, "0.0")} s"),
                ("pilots' run folders", pilot.Folder),
            }
        );
    }
}
