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
                if (record.Preset is { } preset)
                    Preset(page, preset);
            }
        );
    }

    private static void Preset(HtmlPage page, PresetReport preset)
    {
        page.Heading($"Preset {preset.Preset}: candidates");
        page.Table(
            new[] { "candidate", "epochs", "estimated s", "seconds", "validation accuracy", "status", "why" },
            preset.Candidates.Select(c =>
                (IReadOnlyList<string>)
                    new[]
                    {
                        c.Name,
                        c.Epochs?.ToString(CultureInfo.InvariantCulture) ?? "–",
                        HtmlPage.Number(c.EstimatedSeconds, "0"),
                        HtmlPage.Number(c.Seconds, "0.0"),
                        HtmlPage.Percent(c.ValAccuracy),
                        c.Status,
                        c.Reason ?? "",
                    }
            ),
            new HashSet<int> { 1, 2, 3, 4 }
        );
        page.Facts(
            new (string, string?)[]
            {
                ("kept", preset.Winner),
                ("rule", preset.Rule),
                ("time limit", preset.TimeLimitSeconds is { } s ? $"{HtmlPage.Number(s, "0")} s" : null),
                ("test pass", preset.TestSkipped),
            }
        );
        if (preset.Ensemble is not { } ensemble)
            return;
        page.Heading("Ensemble of the candidates");
        page.Table(
            new[] { "candidate", "weight", "held-out accuracy", "held-out log-loss" },
            ensemble.Members.Select(m =>
                (IReadOnlyList<string>)
                    new[]
                    {
                        m.Name,
                        HtmlPage.Number(m.Weight, "0.00"),
                        HtmlPage.Percent(m.ValAccuracy),
                        HtmlPage.Number(m.ValLoss, "0.0000"),
                    }
            ),
            new HashSet<int> { 1, 2, 3 }
        );
        page.Facts(
            new (string, string?)[]
            {
                ("kept", ensemble.Kept ? "yes: the run predicts with the ensemble" : "no: the best single candidate"),
                ("why", ensemble.Reason),
                ("held-out images", ensemble.ValidationImages.ToString(CultureInfo.InvariantCulture)),
                (
                    "held-out accuracy",
                    $"{HtmlPage.Percent(ensemble.ValAccuracy)} (single {HtmlPage.Percent(ensemble.SingleValAccuracy)})"
                ),
                (
                    "test accuracy",
                    ensemble.TestAccuracy is null
                        ? null
                        : $"{HtmlPage.Percent(ensemble.TestAccuracy)} "
                            + $"(single {HtmlPage.Percent(ensemble.SingleTestAccuracy)})"
                ),
                ("rule", ensemble.Rule),
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
                ("fine-tuning head on", advice.HeadLayers is { } head ? string.Join(", ", head) : null),
                ("random flips", advice.RandomFlips is { } flips ? (flips ? "yes" : "no") : null),
                ("random shifts", advice.RandomShifts is { } shifts ? (shifts ? "yes" : "no") : null),
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
