using System.Text.RegularExpressions;
using SkiaSharp;
using TransferSharp.Reports;
using Xunit.Abstractions;

namespace TransferSharp.Tests.Reports;

[Collection(ReportRunCollection.Name)]
public class ReportInBrowserTests
{
    private readonly FittedRun run;
    private readonly ITestOutputHelper output;

    public ReportInBrowserTests(FittedRun run, ITestOutputHelper output) => (this.run, this.output) = (run, output);

    [Fact]
    public async Task TheReportRendersInHeadlessChromiumWithoutErrors()
    {
        // Not skipped when the browser is missing: CI installs it (.ci/run), and a skip would hide a broken page.
        Assert.True(
            File.Exists(HeadlessChromium.DefaultPath),
            $"{HeadlessChromium.DefaultPath} not found: this test renders the run report in Debian's Chromium; "
                + "install it with `apt-get install chromium`."
        );
        string report = RunReport.Write(run.Copy("report-browser"));
        string url = new Uri(report).AbsoluteUri;
        int images = Regex.Matches(File.ReadAllText(report), "<img\\b").Count;

        using var browser = await HeadlessChromium.LaunchAsync();
        await browser.OpenPageAsync(1280, 2000);
        await browser.NavigateAsync(url, TimeSpan.FromSeconds(60));
        bool decoded = (
            await browser.EvaluateAsync("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
        ).GetBoolean();
        int shown = (await browser.EvaluateAsync("document.images.length")).GetInt32();
        string headings = (
            await browser.EvaluateAsync("Array.from(document.querySelectorAll('h2')).map(h => h.textContent).join('|')")
        ).GetString()!;
        byte[] screenshot = await browser.ScreenshotAsync();
        Keep(screenshot);

        Assert.True(browser.Errors().Count == 0, string.Join("\n", browser.Errors()));
        Assert.True(decoded, "an image of the report did not decode");
        Assert.Equal(images, shown);
        Assert.StartsWith("Learning curves|Confusion matrix|Precision and recall per class|Top losses", headings);
        // The page itself is the only request: images are inline, nothing else loads.
        Assert.All(browser.Requests(), r => Assert.True(r == url || r.StartsWith("data:"), $"request for {r}"));
        using SKBitmap shot = SKBitmap.Decode(screenshot);
        Assert.Equal(1280, shot.Width);
        Assert.True(shot.Height > 2000, $"a {shot.Height} px tall page");
    }

    // The screenshot stays in the test's temp folder (its path printed), and where TRANSFERSHARP_REPORT_SCREENSHOT
    // says (a folder, or a file name), for a look at the page after a CI run.
    private void Keep(byte[] screenshot)
    {
        string path = Path.Combine(TestPaths.NewTempDir("report-shot"), "report.png");
        File.WriteAllBytes(path, screenshot);
        output.WriteLine($"screenshot: {path}");
        if (Environment.GetEnvironmentVariable("TRANSFERSHARP_REPORT_SCREENSHOT") is { Length: > 0 } wanted)
        {
            string target =
                Directory.Exists(wanted) || wanted.EndsWith('/') ? Path.Combine(wanted, "report.png") : wanted;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
            File.Copy(path, target, overwrite: true);
            output.WriteLine($"screenshot copied to {target}");
        }
    }
}
