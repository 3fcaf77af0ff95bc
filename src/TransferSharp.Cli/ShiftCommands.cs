using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TransferSharp.Analysis;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Runs;
using TransferSharp.Strategies;
using TransferSharp.Training;

namespace TransferSharp.Cli;

internal static partial class Commands
{
    /// <summary>Unlabelled images: a labelled dataset's images (labels ignored), or image files and folders.</summary>
    internal static IReadOnlyList<IImageSource> UnlabelledImages(string path)
    {
        bool dataset = File.Exists(path)
            ? path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(path).Contains("-idx3", StringComparison.Ordinal)
            : Directory.Exists(path) && (Directory.GetDirectories(path).Any(d => !Path.GetFileName(d).StartsWith('.')) || Directory.GetFiles(path).Any(f => Path.GetFileName(f).Contains("-idx3", StringComparison.Ordinal)));
        if (dataset) return DatasetLoader.Load(path, DatasetRole.Test).Items.Select(i => i.Source).ToList();
        var files = ImageFiles.Expand(new[] { path }).Select(p => ImageFiles.Source(p)).ToList();
        if (files.Count == 0) throw new DataException($"{path}: no image files found.", path);
        return files;
    }

    public static Command Diagnose()
    {
        var run = new Option<string>("--model") { Description = "The run folder written by fit.", Required = true };
        var source = new Option<string>("--source") { Description = "Labelled source data (what the model was trained on, or like it).", Required = true };
        var target = new Option<string>("--target") { Description = "Unlabelled target data: image files or folders, or a dataset whose labels are ignored.", Required = true };
        var labelled = new Option<string?>("--target-labelled") { Description = "A few labelled target images: enables the concept-shift check." };
        var output = new Option<string?>("--out") { Description = "JSON report (default RUN/diagnosis.json)." };
        var permutations = new Option<int>("--permutations") { Description = "Permutations of the MMD tests.", DefaultValueFactory = _ => 500 };
        var alpha = new Option<double>("--alpha") { Description = "Significance level.", DefaultValueFactory = _ => 0.05 };
        var seed = new Option<int>("--seed") { Description = "Seed of sampling, permutations and bootstrap.", DefaultValueFactory = _ => 0 };
        var skipBad = new Option<bool>("--skip-bad") { Description = "Skip undecodable images." };
        var command = new Command("diagnose", "Tell covariate, label and concept shift apart between source and target data, and recommend a correction.")
            { run, source, target, labelled, output, permutations, alpha, seed, skipBad };
        command.SetAction(parse => Guard(() =>
        {
            string runDir = parse.GetValue(run)!;
            int perms = parse.GetValue(permutations);
            double level = parse.GetValue(alpha);
            if (perms is < 19 or > 100_000) throw new OptionException($"--permutations {perms}: must be between 19 and 100000.");
            if (level is <= 0 or >= 1) throw new OptionException($"--alpha {level}: must be in (0, 1).");
            using SavedModel model = SavedModel.Load(runDir);
            CalibrationSet validation = CalibrationSet.Load(runDir);
            ImageDataset sourceData = DatasetLoader.Load(parse.GetValue(source)!, DatasetRole.Train);
            IReadOnlyList<IImageSource> targetImages = UnlabelledImages(parse.GetValue(target)!);
            ImageDataset? labelledData = parse.GetValue(labelled) is { } l ? DatasetLoader.Load(l, DatasetRole.Test) : null;
            var options = new ShiftDiagnosisOptions { Permutations = perms, Alpha = level, Seed = parse.GetValue(seed) };
            ShiftReport report = ConsoleProgress.Run(sink => ShiftAnalysis.Diagnose(model, validation, sourceData, targetImages, labelledData, options, sink,
                FeatureCache.DefaultDirectory(), skipBad: parse.GetValue(skipBad)));
            string path = parse.GetValue(output) ?? Path.Combine(runDir, "diagnosis.json");
            Json.Write(path, report);

            var table = new Table().AddColumn("test").AddColumn("statistic").AddColumn("p-value").AddColumn("significant");
            foreach (TestResult t in new[] { report.Covariate, report.PredictedLabels, report.Residual, report.Concept?.Test }.OfType<TestResult>())
                table.AddRow(Markup.Escape(t.Name), t.Statistic.ToString("G4", CultureInfo.InvariantCulture), t.PValue.ToString("G3", CultureInfo.InvariantCulture), t.Significant ? "yes" : "no");
            AnsiConsole.Write(table);
            var priors = new Table().AddColumn("class").AddColumn("source prior").AddColumn("target (EM+BCTS)").AddColumn("95% interval").AddColumn("BBSE soft").AddColumn("weight");
            for (int c = 0; c < report.Priors.ClassNames.Count; c++)
                priors.AddRow(Markup.Escape(report.Priors.ClassNames[c]), $"{report.Priors.SourcePriors[c]:F3}", $"{report.Priors.EmBcts.Priors[c]:F3}",
                    Markup.Escape($"[{report.Priors.Low[c]:F3}, {report.Priors.High[c]:F3}]"), $"{report.Priors.BbseSoft.Priors[c]:F3}", $"{report.Priors.EmBcts.Weights[c]:F2}");
            AnsiConsole.Write(priors);
            Console.WriteLine($"verdict: {report.Verdict}");
            Console.WriteLine(report.Explanation);
            Console.WriteLine($"recommendation: {report.Recommendation}");
            Console.WriteLine($"report: {path}");
            return 0;
        }));
        return command;
    }

    public static Command Advise()
    {
        var data = new Option<string?>("--data") { Description = "Labelled training data (any fit format). Default: the embedded Fashion-MNIST subset." };
        var backbone = new Option<string>("--backbone") { Description = $"Backbone: {string.Join(", ", Registry.Names)}.", DefaultValueFactory = _ => Registry.DefaultName };
        var size = new Option<int?>("--size") { Description = "Input size in pixels. Default: the backbone's own." };
        var json = new Option<bool>("--json") { Description = "Print the measurements and the advice as JSON." };
        var command = new Command("advise", "Recommend a strategy from N, P/N, the domain distance d, the frequency verdict and the channel count, and explain why.") { data, backbone, size, json };
        command.SetAction(parse => Guard(() =>
        {
            ImageDataset dataset = DatasetLoader.Load(parse.GetValue(data) ?? EmbeddedData.TrainImages);
            using Backbone model = Backbone.Load(parse.GetValue(backbone)!, parse.GetValue(size));
            var (inputs, distance, frequency) = parse.GetValue(json)
                ? AdviceMeasurements.Measure(model, dataset, TransferSharp.Progress.SilentProgress.Instance)
                : ConsoleProgress.Run(sink => AdviceMeasurements.Measure(model, dataset, sink));
            Advice advice = StrategyAdvisor.Advise(inputs);
            if (parse.GetValue(json))
            {
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { inputs, advice, domain_distance_per_group = distance?.PerGroup, frequency_verdict = frequency?.Verdict }, Json.Options));
                return 0;
            }
            Console.WriteLine($"strategy: {advice.Strategy} (adapter {advice.Adapter}{(advice.FeatureLayers is { } layers ? $", features from {string.Join(",", layers)}" : "")}); worth a pilot: {string.Join(", ", advice.Alternatives)}");
            Console.WriteLine(advice.Explanation);
            if (frequency is not null) Console.WriteLine(frequency.Verdict);
            return 0;
        }));
        return command;
    }

    public static Command Inspect()
    {
        var command = new Command("inspect", "Analyses of data and backbone.");
        var data = new Option<string?>("--data") { Description = "Images to measure (a dataset, or image files/folders). Default: the embedded training subset." };
        var backbone = new Option<string>("--backbone") { Description = $"Backbone: {string.Join(", ", Registry.Names)}.", DefaultValueFactory = _ => Registry.DefaultName };
        var size = new Option<int?>("--size") { Description = "Input size in pixels. Default: the backbone's own." };
        var output = new Option<string>("--out") { Description = "Folder for the JSON record and the PNG plot.", DefaultValueFactory = _ => "inspect" };
        var images = new Option<int>("--images") { Description = "Images to sample.", DefaultValueFactory = _ => 512 };
        var domain = new Command("domain", "Domain distance d to the backbone's pretraining data, from the BatchNorm statistics (per layer and overall).") { data, backbone, size, output, images };
        domain.SetAction(parse => Guard(() =>
        {
            IReadOnlyList<IImageSource> sources = UnlabelledImages(parse.GetValue(data) ?? EmbeddedData.TrainImages);
            string folder = RunFolder.Prepare(parse.GetValue(output)!);
            using Backbone model = Backbone.Load(parse.GetValue(backbone)!, parse.GetValue(size));
            DomainDistanceResult result = ConsoleProgress.Run(sink => DomainDistance.Measure(model, sources, sink, maxImages: Math.Max(1, parse.GetValue(images))));
            DomainDistance.Plot(result, Path.Combine(folder, "domain_distance.png"));
            Json.Write(Path.Combine(folder, "domain_distance.json"), result);
            var table = new Table().AddColumn("group").AddColumn("d (mean symmetric KL)");
            foreach (var (group, value) in result.PerGroup) table.AddRow(Markup.Escape(group), value.ToString("F4", CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            Console.WriteLine($"d = {result.Overall:F4} over {result.Images} images (record: {Path.Combine(folder, "domain_distance.json")}, plot: {Path.Combine(folder, "domain_distance.png")})");
            return 0;
        }));
        command.Subcommands.Add(domain);

        var threshold = new Option<double>("--threshold") { Description = "Gray-excitable share below which a filter counts as colour-opponent.", DefaultValueFactory = _ => 0.2 };
        var filtersOut = new Option<string>("--out") { Description = "Folder for the JSON record and the PNG grid.", DefaultValueFactory = _ => "inspect" };
        var filters = new Command("filters", "First-layer filters against a replicated gray input: how many colour-opponent filters it blinds; a PNG grid.") { backbone, threshold, filtersOut };
        filters.SetAction(parse => Guard(() =>
        {
            double t = parse.GetValue(threshold);
            if (t is <= 0 or >= 1) throw new OptionException($"--threshold {t}: must be in (0, 1).");
            string folder = RunFolder.Prepare(parse.GetValue(filtersOut)!);
            using Backbone model = Backbone.Load(parse.GetValue(backbone)!);
            FilterReport report = FilterAnalysis.Analyse(model, t);
            string png = Path.Combine(folder, "filters.png");
            FilterAnalysis.WriteGrid(model, report, png);
            Json.Write(Path.Combine(folder, "filters.json"), report);
            double[] shares = report.Filters.Select(f => f.GrayExcitableShare).Order().ToArray();
            Console.WriteLine($"{report.Layer}: {report.Filters.Count} filters; a replicated gray input blinds {report.ColourOpponentCount} colour-opponent filters (gray-excitable share < {t:F2}).");
            Console.WriteLine($"gray-excitable share: median {shares[shares.Length / 2]:F3}, min {shares[0]:F3}, max {shares[^1]:F3}; energy-weighted over the layer {report.EnergyWeightedShare:F3}.");
            Console.WriteLine($"record: {Path.Combine(folder, "filters.json")}, grid: {png} (colour-opponent filters framed in red)");
            return 0;
        }));
        command.Subcommands.Add(filters);

        var freqData = new Option<string?>("--data") { Description = "Images whose spectrum to compare (a dataset, or image files/folders). Optional." };
        var freqOut = new Option<string>("--out") { Description = "Folder for the JSON record and the PNG plot.", DefaultValueFactory = _ => "inspect" };
        var freqSize = new Option<int?>("--size") { Description = "Input size in pixels. Default: the backbone's own." };
        var frequency = new Command("frequency", "The backbone's gain across spatial frequencies per layer group, your images' spectrum beside natural images', and a verdict.") { backbone, freqSize, freqData, freqOut };
        frequency.SetAction(parse => Guard(() =>
        {
            IReadOnlyList<IImageSource>? sources = parse.GetValue(freqData) is { } d ? UnlabelledImages(d) : null;
            string folder = RunFolder.Prepare(parse.GetValue(freqOut)!);
            using Backbone model = Backbone.Load(parse.GetValue(backbone)!, parse.GetValue(freqSize));
            FrequencyReport report = ConsoleProgress.Run(sink => FrequencyAnalysis.Analyse(model, sources, sink));
            string png = Path.Combine(folder, "frequency.png");
            FrequencyAnalysis.Plot(report, png);
            Json.Write(Path.Combine(folder, "frequency.json"), report);
            var table = new Table().AddColumn("cycles/pixel");
            foreach (string g in report.Response.Groups) table.AddColumn(Markup.Escape(g) + " dB");
            if (report.Data is not null) table.AddColumn("your energy").AddColumn("natural");
            for (int b = 0; b < report.Response.Frequencies.Length; b++)
            {
                var row = new List<string> { report.Response.Frequencies[b].ToString("F3", CultureInfo.InvariantCulture) };
                row.AddRange(report.Response.GainDb.Select(g => g[b].ToString("F1", CultureInfo.InvariantCulture)));
                if (report.Data is { } data) { row.Add(data.Share[b].ToString("P1", CultureInfo.InvariantCulture)); row.Add(data.NaturalShare[b].ToString("P1", CultureInfo.InvariantCulture)); }
                table.AddRow(row.Select(Markup.Escape).ToArray());
            }
            AnsiConsole.Write(table);
            Console.WriteLine(report.Verdict);
            Console.WriteLine($"record: {Path.Combine(folder, "frequency.json")}, plot: {png}");
            return 0;
        }));
        command.Subcommands.Add(frequency);
        return command;
    }
}
