using System.CommandLine;
using Spectre.Console;
using TransferSharp.Data;
using TransferSharp.IO;
using TransferSharp.Runs;
using TransferSharp.Training;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp evaluate RUN: accuracy, per-class accuracy and the confusion matrix on labelled
/// data.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var run = CommonOptions.Run();
        var data = CommonOptions.Data("Labelled data to evaluate on. Default: the embedded test subset.");
        var output = CommonOptions.OutFile("Where to write the JSON report (default RUN/evaluation.json).");
        var skipBad = CommonOptions.SkipBad();
        var command = new Command(
            "evaluate",
            "Accuracy, per-class accuracy and confusion matrix of a trained model on labelled data."
        )
        {
            run,
            data,
            output,
            skipBad,
        };
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                string runDir = parse.GetValue(run)!;
                if (Multimodal.MultimodalModel.IsRun(runDir))
                    return MultimodalRuns.Evaluate(runDir, parse.GetValue(data), parse.GetValue(output), cancellation);
                using SavedModel model = SavedModel.Load(runDir);
                var dataset = ImageFiles.Load(
                    parse.GetValue(data) ?? EmbeddedData.TestImages,
                    DatasetRole.Test,
                    model.Manifest.ChannelsLast
                );
                ClassificationReport result = ConsoleProgress.Run(progress =>
                    Predictor.Evaluate(
                        model,
                        dataset,
                        progress,
                        parse.GetValue(skipBad),
                        TransferSharp.IO.CacheLocation.Default()
                    )
                );
                var table = new Table().AddColumn("true \\ predicted");
                foreach (string name in result.ClassNames)
                    table.AddColumn(Markup.Escape(name));
                table.AddColumn("accuracy");
                for (int c = 0; c < result.ClassNames.Count; c++)
                    table.AddRow(
                        new[] { Markup.Escape(result.ClassNames[c]) }
                            .Concat(result.Confusion[c].Select(v => v.ToString()))
                            .Append(result.PerClassAccuracy[result.ClassNames[c]].ToString("F3"))
                            .ToArray()
                    );
                AnsiConsole.Write(table);
                string path = parse.GetValue(output) ?? Path.Combine(runDir, "evaluation.json");
                Json.Write(
                    path,
                    new
                    {
                        data = dataset.Origin,
                        images = dataset.Count,
                        accuracy = result.Accuracy,
                        per_class_accuracy = result.PerClassAccuracy,
                        confusion = result.Confusion,
                        class_names = result.ClassNames,
                    }
                );
                Console.WriteLine($"accuracy: {result.Accuracy:F4} on {dataset.Count} images (report: {path})");
                return 0;
            }
        );
        return command;
    }
}
