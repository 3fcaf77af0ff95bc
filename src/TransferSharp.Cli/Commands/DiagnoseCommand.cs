using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TransferSharp.Analysis;
using TransferSharp.Data;
using TransferSharp.IO;
using TransferSharp.Runs;
using static TransferSharp.Cli.CommonOptions;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp diagnose RUN: covariate, label or concept shift between source and target data.</summary>
internal static class DiagnoseCommand
{
    public static Command Create()
    {
        var run = CommonOptions.Run();
        var source = new Option<string>("--source")
        {
            Description = "Labelled source data (what the model was trained on, or like it).",
            Required = true,
        };
        var target = new Option<string>("--target")
        {
            Description = "Unlabelled target data: image files or folders, or a dataset whose labels are ignored.",
            Required = true,
        };
        var labelled = new Option<string?>("--target-labelled")
        {
            Description = "A few labelled target images: enables the concept-shift check.",
        };
        var output = OutFile("JSON report (default RUN/diagnosis.json).");
        var permutations = Mapped(
            new Option<int>("--permutations")
            {
                Description = "Permutations of the MMD tests.",
                DefaultValueFactory = _ => 500,
            },
            "ShiftDiagnosisOptions.Permutations"
        );
        var alpha = Mapped(
            new Option<double>("--alpha") { Description = "Significance level.", DefaultValueFactory = _ => 0.05 },
            "ShiftDiagnosisOptions.Alpha"
        );
        var seed = Seed("Seed of sampling, permutations and bootstrap.");
        var skipBad = SkipBad();
        var command = new Command(
            "diagnose",
            "Tell covariate, label and concept shift apart between source and target data, and recommend a correction."
        )
        {
            run,
            source,
            target,
            labelled,
            output,
            permutations,
            alpha,
            seed,
            skipBad,
        };
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                string runDir = parse.GetValue(run)!;
                var options = new ShiftDiagnosisOptions
                {
                    Permutations = parse.GetValue(permutations),
                    Alpha = parse.GetValue(alpha),
                    Seed = parse.GetValue(seed),
                };
                options.Validate();
                if (Multimodal.MultimodalModel.IsRun(runDir))
                    return MultimodalRuns.Diagnose(
                        runDir,
                        parse.GetValue(source)!,
                        parse.GetValue(target)!,
                        options,
                        parse.GetValue(output)
                    );
                using SavedModel model = SavedModel.Load(runDir);
                CalibrationSet validation = CalibrationSet.Load(runDir);
                ImageDataset sourceData = ImageFiles.Load(parse.GetValue(source)!, DatasetRole.Train);
                IReadOnlyList<IImageSource> targetImages = ImageFiles.Unlabelled(parse.GetValue(target)!);
                ImageDataset? labelledData = parse.GetValue(labelled) is { } l
                    ? ImageFiles.Load(l, DatasetRole.Test)
                    : null;
                ShiftReport report = ConsoleProgress.Run(progress =>
                    ShiftAnalysis.Diagnose(
                        model,
                        validation,
                        sourceData,
                        targetImages,
                        labelledData,
                        options,
                        progress,
                        TransferSharp.IO.CacheLocation.Default(),
                        skipBad: parse.GetValue(skipBad)
                    )
                );
                string path = parse.GetValue(output) ?? Path.Combine(runDir, "diagnosis.json");
                Json.Write(path, report);
                Print(report, path);
                return 0;
            }
        );
        return command;
    }

    private static void Print(ShiftReport report, string path)
    {
        var table = new Table().AddColumn("test").AddColumn("statistic").AddColumn("p-value").AddColumn("significant");
        foreach (
            TestResult t in new[]
            {
                report.Covariate,
                report.PredictedLabels,
                report.Residual,
                report.Concept?.Test,
            }.OfType<TestResult>()
        )
            table.AddRow(
                Markup.Escape(t.Name),
                t.Statistic.ToString("G4", CultureInfo.InvariantCulture),
                t.PValue.ToString("G3", CultureInfo.InvariantCulture),
                t.Significant ? "yes" : "no"
            );
        AnsiConsole.Write(table);
        var priors = new Table()
            .AddColumn("class")
            .AddColumn("source prior")
            .AddColumn("target (EM+BCTS)")
            .AddColumn("95% interval")
            .AddColumn("BBSE soft")
            .AddColumn("weight");
        PriorReport p = report.Priors;
        for (int c = 0; c < p.ClassNames.Count; c++)
            priors.AddRow(
                Markup.Escape(p.ClassNames[c]),
                $"{p.SourcePriors[c]:F3}",
                $"{p.EmBcts.Priors[c]:F3}",
                Markup.Escape($"[{p.Low[c]:F3}, {p.High[c]:F3}]"),
                $"{p.BbseSoft.Priors[c]:F3}",
                $"{p.EmBcts.Weights[c]:F2}"
            );
        AnsiConsole.Write(priors);
        Console.WriteLine($"verdict: {report.Verdict}");
        Console.WriteLine(report.Explanation);
        Console.WriteLine($"recommendation: {report.Recommendation}");
        Console.WriteLine($"report: {path}");
    }
}
