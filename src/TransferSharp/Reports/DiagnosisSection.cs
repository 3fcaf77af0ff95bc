using System.Globalization;
using TransferSharp.Analysis;

namespace TransferSharp.Reports;

/// <summary>The shift diagnosis (diagnosis.json, written by <c>transfersharp diagnose</c>).</summary>
internal static class DiagnosisSection
{
    /// <summary>Adds the section when the folder has a diagnosis.</summary>
    public static void Add(HtmlPage page, ShiftReport? diagnosis)
    {
        if (diagnosis is null)
            return;
        page.Section(
            "diagnosis",
            "Shift diagnosis",
            () =>
            {
                page.Paragraph($"Verdict: {diagnosis.Verdict}", "verdict");
                page.Paragraph(diagnosis.Explanation);
                page.Paragraph($"Recommendation: {diagnosis.Recommendation}");
                var tests = new[]
                {
                    diagnosis.Covariate,
                    diagnosis.PredictedLabels,
                    diagnosis.Residual,
                    diagnosis.Concept?.Test,
                }
                    .OfType<TestResult>()
                    .ToList();
                page.Table(
                    new[] { "test", "statistic", "p-value", "significant", "how" },
                    tests.Select(t =>
                        (IReadOnlyList<string>)
                            new[]
                            {
                                t.Name,
                                HtmlPage.Number(t.Statistic),
                                HtmlPage.PValue(t.PValue),
                                t.Significant ? "yes" : "no",
                                t.Detail,
                            }
                    ),
                    new HashSet<int> { 1, 2 }
                );
                if (diagnosis.Concept is { } concept)
                    page.Facts(
                        new (string, string?)[]
                        {
                            ("labelled target images", concept.Images.ToString(CultureInfo.InvariantCulture)),
                            ("observed accuracy", HtmlPage.Percent(concept.ObservedAccuracy)),
                            ("expected if only the priors moved", HtmlPage.Percent(concept.ExpectedAccuracy)),
                            ("after the label-shift correction", HtmlPage.Percent(concept.CorrectedAccuracy)),
                        }
                    );
                Priors(page, diagnosis.Priors);
            }
        );
    }

    private static void Priors(HtmlPage page, PriorReport priors)
    {
        page.Heading("Class priors: training and estimated target");
        page.Table(
            new[] { "class", "training", "target (EM, calibrated)", "95 % interval" },
            priors.ClassNames.Select(
                (name, c) =>
                    (IReadOnlyList<string>)
                        new[]
                        {
                            name,
                            HtmlPage.Percent(At(priors.SourcePriors, c)),
                            HtmlPage.Percent(At(priors.EmBcts.Priors, c)),
                            $"{HtmlPage.Percent(At(priors.Low, c))} – {HtmlPage.Percent(At(priors.High, c))}",
                        }
            ),
            new HashSet<int> { 1, 2, 3 }
        );
    }

    private static double? At(double[]? values, int i) => values is not null && i < values.Length ? values[i] : null;
}
