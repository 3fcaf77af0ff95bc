using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TransferSharp.Analysis;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.IO;
using TransferSharp.Runs;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp inspect domain|filters|frequency: analyses of data and backbone.</summary>
internal static class InspectCommand
{
    public static Command Create() =>
        new("inspect", "Analyses of data and backbone.") { Domain(), Filters(), Frequency() };

    private static Command Domain()
    {
        var data = CommonOptions.Data(
            "Images to measure (a dataset, or image files/folders). Default: the embedded training subset."
        );
        var backbone = CommonOptions.Backbone();
        var preprocessing = new PreprocessingFlags();
        var size = CommonOptions.Size();
        var output = CommonOptions.Out("Folder for the JSON record and the PNG plot.", fallback: "inspect");
        var images = new Option<int>("--max-images")
        {
            Description = "Images to sample at most.",
            DefaultValueFactory = _ => 512,
        };
        var command = new Command(
            "domain",
            "Domain distance d to the backbone's pretraining data, from the BatchNorm statistics (per layer and "
                + "overall)."
        )
        {
            data,
            backbone,
            size,
            output,
            images,
        };
        preprocessing.AddTo(command);
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                IReadOnlyList<IImageSource> sources = ImageFiles.Unlabelled(
                    parse.GetValue(data) ?? EmbeddedData.TrainImages
                );
                string folder = RunFolder.Prepare(parse.GetValue(output)!);
                Limits.Range("--max-images", parse.GetValue(images), 1, 1_000_000);
                using Backbone model = Backbone.Load(
                    parse.GetValue(backbone)!,
                    parse.GetValue(size),
                    preprocessing: preprocessing.Read(parse)
                );
                if (DomainDistance.Unavailable(model) is { } reason)
                    throw new OptionException("ModelOptions.Backbone", parse.GetValue(backbone), reason);
                DomainDistanceResult result = ConsoleProgress.Run(progress =>
                    DomainDistance.Measure(model, sources, progress, maxImages: parse.GetValue(images))
                );
                DomainDistance.Plot(result, Path.Combine(folder, "domain_distance.png"));
                Json.Write(Path.Combine(folder, "domain_distance.json"), result);
                var table = new Table().AddColumn("group").AddColumn("d (mean symmetric KL)");
                foreach (var (group, value) in result.PerGroup)
                    table.AddRow(Markup.Escape(group), value.ToString("F4", CultureInfo.InvariantCulture));
                AnsiConsole.Write(table);
                Console.WriteLine(
                    $"d = {result.Overall:F4} over {result.Images} images (record: "
                        + $"{Path.Combine(folder, "domain_distance.json")}, plot: "
                        + $"{Path.Combine(folder, "domain_distance.png")})"
                );
                return 0;
            }
        );
        return command;
    }

    private static Command Filters()
    {
        var backbone = CommonOptions.Backbone();
        var preprocessing = new PreprocessingFlags();
        var threshold = new Option<double>("--threshold")
        {
            Description = "Gray-excitable share below which a filter counts as colour-opponent.",
            DefaultValueFactory = _ => 0.2,
        };
        var output = CommonOptions.Out("Folder for the JSON record and the PNG grid.", fallback: "inspect");
        var command = new Command(
            "filters",
            "First-layer filters against a replicated gray input: how many colour-opponent filters it blinds; a PNG "
                + "grid."
        )
        {
            backbone,
            threshold,
            output,
        };
        preprocessing.AddTo(command);
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                double t = parse.GetValue(threshold);
                Limits.Interval("--threshold", t, 0, true, 1, true);
                string folder = RunFolder.Prepare(parse.GetValue(output)!);
                using Backbone model = Backbone.Load(
                    parse.GetValue(backbone)!,
                    preprocessing: preprocessing.Read(parse)
                );
                FilterReport report = FilterAnalysis.Analyse(model, t);
                string png = Path.Combine(folder, "filters.png");
                FilterAnalysis.WriteGrid(model, report, png);
                Json.Write(Path.Combine(folder, "filters.json"), report);
                double[] shares = report.Filters.Select(f => f.GrayExcitableShare).Order().ToArray();
                Console.WriteLine(
                    $"{report.Layer}: {report.Filters.Count} filters; a replicated gray input blinds "
                        + $"{report.ColourOpponentCount} colour-opponent filters (gray-excitable share < {t:F2})."
                );
                Console.WriteLine(
                    $"gray-excitable share: median {shares[shares.Length / 2]:F3}, min {shares[0]:F3}, max "
                        + $"{shares[^1]:F3}; energy-weighted over the layer {report.EnergyWeightedShare:F3}."
                );
                Console.WriteLine(
                    $"record: {Path.Combine(folder, "filters.json")}, grid: {png} (colour-opponent filters framed "
                        + $"in red)"
                );
                return 0;
            }
        );
        return command;
    }

    private static Command Frequency()
    {
        var backbone = CommonOptions.Backbone();
        var preprocessing = new PreprocessingFlags();
        var size = CommonOptions.Size();
        var data = CommonOptions.Data(
            "Images whose spectrum to compare (a dataset, or image files/folders). Optional."
        );
        var output = CommonOptions.Out("Folder for the JSON record and the PNG plot.", fallback: "inspect");
        var command = new Command(
            "frequency",
            "The backbone's gain across spatial frequencies per layer group, your images' spectrum beside natural "
                + "images', and a verdict."
        )
        {
            backbone,
            size,
            data,
            output,
        };
        preprocessing.AddTo(command);
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                IReadOnlyList<IImageSource>? sources = parse.GetValue(data) is { } d ? ImageFiles.Unlabelled(d) : null;
                string folder = RunFolder.Prepare(parse.GetValue(output)!);
                using Backbone model = Backbone.Load(
                    parse.GetValue(backbone)!,
                    parse.GetValue(size),
                    preprocessing: preprocessing.Read(parse)
                );
                FrequencyReport report = ConsoleProgress.Run(progress =>
                    FrequencyAnalysis.Analyse(model, sources, progress)
                );
                string png = Path.Combine(folder, "frequency.png");
                FrequencyAnalysis.Plot(report, png);
                Json.Write(Path.Combine(folder, "frequency.json"), report);
                AnsiConsole.Write(Table(report));
                Console.WriteLine(report.Verdict);
                Console.WriteLine($"record: {Path.Combine(folder, "frequency.json")}, plot: {png}");
                return 0;
            }
        );
        return command;
    }

    private static Table Table(FrequencyReport report)
    {
        var table = new Table().AddColumn("cycles/pixel");
        foreach (string g in report.Response.Groups)
            table.AddColumn(Markup.Escape(g) + " dB");
        if (report.Data is not null)
            table.AddColumn("your energy").AddColumn("natural");
        for (int b = 0; b < report.Response.Frequencies.Length; b++)
        {
            var row = new List<string> { report.Response.Frequencies[b].ToString("F3", CultureInfo.InvariantCulture) };
            row.AddRange(report.Response.GainDb.Select(g => g[b].ToString("F1", CultureInfo.InvariantCulture)));
            if (report.Data is { } profile)
            {
                row.Add(profile.Share[b].ToString("P1", CultureInfo.InvariantCulture));
                row.Add(profile.NaturalShare[b].ToString("P1", CultureInfo.InvariantCulture));
            }
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }
        return table;
    }
}
