using System.CommandLine;
using System.Globalization;
using TransferSharp.Analysis;
using TransferSharp.Data;
using TransferSharp.IO;
using TransferSharp.Runs;
using TransferSharp.Training;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp predict RUN IMAGES...: a CSV of path,label,probability (label-shift corrected on
/// request).</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var run = CommonOptions.Run();
        var inputs = new Argument<string[]>("images")
        {
            Description = "Image files or folders (searched recursively).",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = CommonOptions.OutFile("CSV file to write (default: standard output).");
        var skipBad = CommonOptions.SkipBad();
        var adjust = new Option<string?>("--adjust-priors-from")
        {
            Description =
                "Unlabelled target images (files, folders or a dataset): estimate their class priors (EM on "
                + "BCTS-calibrated probabilities) and correct the predictions for the label shift.",
        };
        var command = new Command("predict", "Predict labels: CSV of path,label,probability.")
        {
            run,
            inputs,
            output,
            skipBad,
            adjust,
        };
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                string runDir = parse.GetValue(run)!;
                if (Multimodal.MultimodalModel.IsRun(runDir))
                    return MultimodalRuns.Predict(
                        runDir,
                        parse.GetValue(inputs)!,
                        parse.GetValue(output),
                        cancellation
                    );
                using SavedModel model = SavedModel.Load(runDir);
                var sources = ImageFiles
                    .Expand(parse.GetValue(inputs)!)
                    .Select(p => ImageFiles.Source(p, model.Manifest.ChannelsLast))
                    .ToList();
                if (sources.Count == 0)
                    throw new DataException("predict: no image files found in the given paths.");
                string? outPath = parse.GetValue(output);
                PriorAdjustment? adjustment = parse.GetValue(adjust) is { } target
                    ? Adjustment(model, runDir, target, parse.GetValue(skipBad))
                    : null;
                var (predictions, _, bad) = outPath is null
                    ? Predictor.Predict(
                        model,
                        sources,
                        null,
                        parse.GetValue(skipBad),
                        cacheDirectory: TransferSharp.IO.CacheLocation.Default(),
                        adjustment: adjustment
                    )
                    : ConsoleProgress.Run(progress =>
                        Predictor.Predict(
                            model,
                            sources,
                            progress,
                            parse.GetValue(skipBad),
                            cacheDirectory: TransferSharp.IO.CacheLocation.Default(),
                            adjustment: adjustment
                        )
                    );
                using (TextWriter writer = outPath is null ? Console.Out : new StreamWriter(outPath))
                {
                    writer.WriteLine("path,label,probability");
                    foreach (Prediction p in predictions)
                        writer.WriteLine(
                            $"{DatasetLoader.QuoteCsv(p.Id)},{DatasetLoader.QuoteCsv(p.Label)},"
                                + p.Probability.ToString("F6", CultureInfo.InvariantCulture)
                        );
                }
                foreach (BadImage b in bad)
                    Console.Error.WriteLine($"skipped: {b.Reason}");
                if (outPath is not null)
                    Console.WriteLine($"{predictions.Count} predictions written to {outPath}");
                return 0;
            }
        );
        return command;
    }

    private static PriorAdjustment Adjustment(SavedModel model, string runDir, string targetPath, bool skipBad)
    {
        CalibrationSet validation = CalibrationSet.Load(runDir);
        var target = ImageFiles.Unlabelled(targetPath);
        ModelOutputs outputs = ConsoleProgress.Run(progress =>
            Predictor.Outputs(
                model,
                target,
                progress,
                skipBad,
                cacheDirectory: TransferSharp.IO.CacheLocation.Default()
            )
        );
        var adjustment = PriorAdjustment.FromTarget(validation, outputs.LogProbabilities);
        var names = model.Manifest.ClassNames;
        Console.Error.WriteLine(
            $"label-shift correction from {outputs.Kept.Length} target images (EM+BCTS, "
                + $"{adjustment.Estimate.Iterations} iterations, temperature {adjustment.Calibration.Temperature:F3}):"
        );
        for (int c = 0; c < names.Count; c++)
            Console.Error.WriteLine(
                $"  {names[c]}: prior {validation.SourcePriors[c]:F3} -> {adjustment.Estimate.Priors[c]:F3} (weight "
                    + $"{adjustment.Estimate.Weights[c]:F2})"
            );
        Json.Write(
            Path.Combine(runDir, "prior_adjustment.json"),
            new
            {
                target = targetPath,
                images = outputs.Kept.Length,
                class_names = names,
                source_priors = validation.SourcePriors,
                adjustment,
            }
        );
        return adjustment;
    }
}
