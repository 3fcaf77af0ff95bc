using System.CommandLine;
using Spectre.Console;
using TransferSharp.Learning;
using TransferSharp.Reports;
using TransferSharp.Runs;
using TransferSharp.Training;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp fit: train a model and save its run folder.</summary>
internal static class FitCommand
{
    public static Command Create(out FitFlags flags)
    {
        var declared = new FitFlags();
        var command = new Command("fit", "Train a model on labelled images and save it with its metrics.");
        foreach (var (_, option, _) in declared.All)
            command.Options.Add(option);
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                parse = FitFolders.Replayed(parse, declared);
                LearnerOptions options = declared.Bind(parse);
                string output = FitFolders.Output(parse, declared);
                bool resume = parse.GetValue(declared.Resume) is not null;
                using IDisposable writing = RunFolder.Lock(output);
                if (!resume)
                    FitFolders.Start(parse, declared, output);
                output = RunFolder.Prepare(output);
                string checkpoints = RunFolder.CheckpointFolder(output);
                var learner = new TransferLearner(
                    options with
                    {
                        Checkpoints = new CheckpointOptions
                        {
                            Folder = checkpoints,
                            Resume = resume,
                            WithinEpochEvery = FitFolders.Every(parse.GetValue(declared.CheckpointEvery)),
                        },
                    }
                )
                {
                    // Anytime: each best-so-far candidate of a preset is a complete run in the folder at once.
                    BestSoFar = best =>
                    {
                        best.Save(output);
                        RunReport.Write(output);
                    },
                };
                using FitResult result = ConsoleProgress.Run(progress => learner.Fit(progress, cancellation));
                result.Save(output);
                RunReport.Write(output);
                Directory.Delete(checkpoints, recursive: true); // the run is saved: nothing left to resume
                PrintSummary(result.Report, output);
                return 0;
            }
        );
        flags = declared;
        return command;
    }

    private static void PrintSummary(FitReport r, string output)
    {
        var table = new Table().AddColumn("metric").AddColumn("value");
        void Row(string name, object? value)
        {
            if (value is not null)
                table.AddRow(
                    name,
                    Markup.Escape(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "")
                );
        }
        Row("strategy", r.Strategy);
        Row("backbone", r.Backbone);
        Row("input_size", r.InputSize);
        Row("train_images", r.TrainImages);
        Row("val_images", r.ValImages);
        Row("test_images", r.TestImages);
        Row("weight_decay", r.WeightDecay);
        Row("best_epoch", r.BestEpoch);
        Row("stop_reason", r.StopReason);
        Row("trainable_parameters", r.TrainableParameters);
        Row("val_accuracy", r.ValAccuracy);
        Row("test_accuracy", r.TestAccuracy);
        Row("seconds_extraction", r.SecondsExtraction);
        Row("images_per_second_extraction", r.ImagesPerSecondExtraction);
        Row("frozen_precision", r.FrozenPrecision?.Used);
        Row("training_precision", r.TrainingPrecision?.Used);
        Row("seconds_total", r.SecondsTotal);
        AnsiConsole.Write(table);
        if (r.FeatureCache is { Hit: true })
            Console.WriteLine("feature cache hit: extraction skipped");
        if (r.TestAccuracy is { } accuracy)
            Console.WriteLine($"test accuracy: {accuracy:F4}");
        Console.WriteLine($"run saved to {output} (metrics.json, model.json, head.bin, report.html)");
    }
}
