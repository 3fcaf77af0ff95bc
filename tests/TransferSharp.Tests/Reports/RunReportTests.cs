using System.Globalization;
using System.Text.RegularExpressions;
using SkiaSharp;
using TransferSharp.Analysis;
using TransferSharp.Data;
using TransferSharp.IO;
using TransferSharp.Learning;
using TransferSharp.Reports;
using TransferSharp.Strategies;
using TransferSharp.Training;

namespace TransferSharp.Tests.Reports;

[Collection(ReportRunCollection.Name)]
public class RunReportTests
{
    private static readonly Regex image = new("<img\\b[^>]*>", RegexOptions.Compiled);
    private static readonly Regex pngSource = new(
        "src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"",
        RegexOptions.Compiled
    );

    private readonly FittedRun run;

    public RunReportTests(FittedRun run) => this.run = run;

    /// <summary>Every img element's PNG, decoded; fails on one that is not an inline PNG.</summary>
    private static List<SKBitmap> InlineImages(string html) =>
        image
            .Matches(html)
            .Select(m =>
            {
                Match source = pngSource.Match(m.Value);
                Assert.True(source.Success, $"not an inline PNG: {m.Value[..Math.Min(120, m.Value.Length)]}");
                SKBitmap? bitmap = SKBitmap.Decode(Convert.FromBase64String(source.Groups[1].Value));
                Assert.True(bitmap is { Width: > 0, Height: > 0 }, $"an inline PNG does not decode: {m.Value[..80]}");
                return bitmap!;
            })
            .ToList();

    private static string Section(string html, string id)
    {
        int start = html.IndexOf($"<section id=\"{id}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {id}");
        return html[start..html.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    [Fact]
    public void TheReportIsOneSelfContainedPageWithItsSections()
    {
        string folder = run.Copy("report-full");
        string path = RunReport.Write(folder);
        Assert.Equal(Path.GetFullPath(Path.Combine(folder, RunReport.FileName)), path);
        string html = File.ReadAllText(path);
        FitReport record = FitResult.LoadReport(folder);

        foreach (string remote in new[] { "http://", "https://", "src=\"//", "<script", "<link", "url(" })
            Assert.DoesNotContain(remote, html, StringComparison.OrdinalIgnoreCase);
        var images = InlineImages(html);
        // Loss, accuracy, learning rates, d per group, domain_distance.png, filters.png, frequency.png, 12 thumbnails.
        Assert.Equal(7 + 12, images.Count);

        foreach (
            string heading in new[]
            {
                "Learning curves",
                "Confusion matrix",
                "Precision and recall per class",
                "Top losses",
                "Domain distance",
                "First-layer filters",
                "Frequency analysis",
            }
        )
            Assert.Contains($"<h2>{heading}</h2>", html);
        Assert.DoesNotContain("What was run and why", html);
        Assert.DoesNotContain("Shift diagnosis", html);
        foreach (string fact in new[] { record.Strategy, record.Backbone, "32 px", "class0, class1, class2", "seed" })
            Assert.Contains(fact, html);
        Assert.Contains(record.SecondsTotal.ToString("0.0 s", CultureInfo.InvariantCulture), html);

        // Rows are the true classes: each row sums to its class's 4 test images.
        string confusion = Section(html, "confusion");
        var rows = Regex.Matches(confusion, "<tr><th>(class\\d)</th>(.*?)</tr>");
        Assert.Equal(3, rows.Count);
        foreach (Match row in rows)
            Assert.Equal(
                4,
                Regex.Matches(row.Groups[2].Value, "<td[^>]*>(\\d+)</td>").Sum(c => int.Parse(c.Groups[1].Value))
            );
        Assert.Equal(12, Regex.Matches(Section(html, "top-losses"), "<figure class=\"thumb\">").Count);
        if (record.Start is not null)
            Assert.Contains("epoch 0 is the scored start", Section(html, "curves"));
    }

    [Fact]
    public void AnAutoRunShowsItsAdviceAndPilots()
    {
        string folder = run.Copy("report-auto");
        FitReport record = FitResult.LoadReport(folder);
        string advised = record.Strategy,
            alternative = StrategyRegistry.FeatureExtraction.Name;
        var auto = record with
        {
            Advice = new AdviceRecord(
                StrategyRegistry.AutoName,
                "small data, near domain",
                advised,
                "replicate",
                new[] { alternative },
                null,
                true,
                null,
                null,
                "Few images per class & a near domain: fine-tune <everything>."
            ),
            Pilot = new PilotReport
            {
                Candidates = new[]
                {
                    new PilotCandidate(advised, 0.8, 3.5, 1, 0.3, null),
                    new PilotCandidate(alternative, 0.75, 1.2, null, 0.3, 0.05),
                },
                Winner = advised,
                ValidationImages = 6,
                Seconds = 4.7,
                Rule = "an alternative wins by more than one standard error",
            },
        };
        File.WriteAllText(Path.Combine(folder, FitResult.MetricsFile), FitResult.ToJson(auto));
        string decision = Section(RunReport.Render(folder), "decision");
        Assert.Contains("small data, near domain", decision);
        Assert.Contains("fine-tune &lt;everything&gt;.", decision); // the advice is text, escaped
        Assert.Contains("an alternative wins by more than one standard error", decision);
        Assert.Contains("80.0 %", decision);
        Assert.Contains("winner", decision);

        File.WriteAllText(
            Path.Combine(folder, FitResult.MetricsFile),
            FitResult.ToJson(auto with { Pilot = new PilotReport { Skipped = "too few validation images" } })
        );
        Assert.Contains("No pilots ran: too few validation images", RunReport.Render(folder));

        // A preset's candidates and its ensemble: weights, held-out and test scores, why it was kept.
        var preset = new PresetReport
        {
            Preset = "fast",
            Candidates = new[]
            {
                new CandidateReport
                {
                    Name = "feature-extraction@stage3",
                    Strategy = "feature-extraction",
                    ValAccuracy = 0.84,
                    Status = "best",
                },
                new CandidateReport
                {
                    Name = "feature-extraction@stage3 grid 2",
                    Strategy = "feature-extraction",
                    ValAccuracy = 0.83,
                    Status = "not-better",
                },
            },
            Winner = PresetSearch.EnsembleName,
            Rule = "cheapest first",
            Ensemble = new EnsembleReport
            {
                Members = new[]
                {
                    new EnsembleWeight("feature-extraction@stage3", 0.36, 0.84, 0.45),
                    new EnsembleWeight("feature-extraction@stage3 grid 2", 0.64, 0.83, 0.44),
                },
                ValidationImages = 1000,
                ValAccuracy = 0.86,
                SingleValAccuracy = 0.84,
                Kept = true,
                Reason = "log-loss 0.39 against 0.45",
                Rule = EnsembleSelection.Rule,
                TestAccuracy = 0.874,
                SingleTestAccuracy = 0.854,
            },
        };
        File.WriteAllText(
            Path.Combine(folder, FitResult.MetricsFile),
            FitResult.ToJson(auto with { Pilot = null, Preset = preset })
        );
        decision = Section(RunReport.Render(folder), "decision");
        Assert.Contains("feature-extraction@stage3 grid 2", decision);
        Assert.Contains("0.64", decision);
        Assert.Contains("yes: the run predicts with the ensemble", decision);
        Assert.Contains("87.4 % (single 85.4 %)", decision);
        Assert.Contains("log-loss 0.39 against 0.45", decision);
    }

    [Fact]
    public void ThumbnailsComeFromIdxRecordsAndAnUnreadableImageLeavesANote()
    {
        string folder = run.Copy("report-idx");
        string idx = Path.Combine(TestPaths.NewTempDir("report-idx-data"), "t10k-images-idx3-ubyte.gz");
        IdxFormat.WriteImages(
            idx,
            new[] { 0, 1, 2 }.Select(c => TestImages.Pattern(c, 28, 0, false).Pixels).ToList(),
            28,
            28
        );
        double[] Row(double p0) => new[] { Math.Log(p0), Math.Log((1 - p0) / 2), Math.Log((1 - p0) / 2) };
        Json.Write(
            Path.Combine(folder, PredictionSet.TestFile),
            new PredictionSet(
                new[] { $"{idx}#0", $"{idx}#2", "/no/such/image.png" },
                new[] { 0, 2, 1 },
                new[] { Row(0.9), Row(0.6), Row(0.2) }
            )
        );
        string html = RunReport.Render(folder);
        string losses = Section(html, "top-losses");
        var thumbnails = InlineImages(losses);
        Assert.Equal(2, thumbnails.Count);
        Assert.All(thumbnails, t => Assert.Equal((28, 28), (t.Width, t.Height))); // small images keep their pixels
        Assert.Contains("image not readable", losses);
        Assert.Contains("/no/such/image.png", losses);
        Assert.Contains("On the 3 test images", html);
    }

    [Fact]
    public void WithoutTestPredictionsTheHeldOutImagesAreShown()
    {
        string folder = run.Copy("report-held-out");
        File.Delete(Path.Combine(folder, PredictionSet.TestFile));
        var heldOut = CalibrationSet.Load(folder);
        string html = RunReport.Render(folder);
        Assert.Contains($"On the {heldOut.Labels.Length} held-out validation images", html);
        Assert.Equal(Math.Min(12, heldOut.Labels.Length), InlineImages(Section(html, "top-losses")).Count);
    }

    [Fact]
    public void ADiagnosedRunShowsTheVerdictAndTheTests()
    {
        string folder = run.Copy("report-diagnosis");
        var classes = new[] { "class0", "class1", "class2" };
        var prior = new PriorEstimate("em-bcts", new[] { 0.5, 0.3, 0.2 }, new[] { 1.5, 0.9, 0.6 }, 12);
        Json.Write(
            Path.Combine(folder, "diagnosis.json"),
            new ShiftReport(
                "label-shift",
                "The class frequencies moved; the images did not.",
                "Re-weight the predictions by the estimated priors.",
                new TestResult("covariate (MMD)", 0.01, 0.42, false, "permutations"),
                new TestResult("predicted labels (chi-square)", 31.5, 0.00001, true, "BBSD"),
                null,
                new PriorReport(
                    classes,
                    new[] { 1 / 3.0, 1 / 3.0, 1 / 3.0 },
                    prior,
                    new[] { 0.4, 0.2, 0.1 },
                    new[] { 0.6, 0.4, 0.3 },
                    prior with
                    {
                        Method = "bbse-hard",
                    },
                    prior with
                    {
                        Method = "bbse-soft",
                    },
                    Calibration.Identity(3)
                ),
                null
            )
        );
        string diagnosis = Section(RunReport.Render(folder), "diagnosis");
        Assert.Contains("Verdict: label-shift", diagnosis);
        Assert.Contains("Re-weight the predictions by the estimated priors.", diagnosis);
        Assert.Contains("1.0E-5", diagnosis);
        Assert.Contains("0.42", diagnosis);
        Assert.Contains("50.0 %", diagnosis);
    }

    [Fact]
    public void ADivergedEpochLeavesItsPointOutOfTheCurves()
    {
        string folder = run.Copy("report-diverged");
        FitReport record = FitResult.LoadReport(folder);
        var epochs = record.Epochs!.ToList();
        epochs[^1] = epochs[^1] with { TrainLoss = double.NaN, ValLoss = double.PositiveInfinity };
        File.WriteAllText(
            Path.Combine(folder, FitResult.MetricsFile),
            FitResult.ToJson(record with { Epochs = epochs, Failure = "non-finite loss at epoch 2" })
        );
        string html = RunReport.Render(folder);
        Assert.Contains("non-finite loss at epoch 2", html);
        Assert.Equal(3, InlineImages(Section(html, "curves")).Count);
    }

    [Fact]
    public void AFolderWithoutARecordIsRefusedWithItsName()
    {
        string empty = TestPaths.NewTempDir("report-empty");
        var error = Assert.Throws<FileNotFoundException>(() => RunReport.Write(empty));
        Assert.Contains(FitResult.MetricsFile, error.Message);
        Assert.False(File.Exists(Path.Combine(empty, RunReport.FileName)));
    }
}
