using TransferSharp.Analysis;

namespace TransferSharp.Runs;

/// <summary>Runs the diagnosis for a saved model on image sets.</summary>
public static class ShiftAnalysis
{
    /// <summary>
    /// Computes the model's features and predictions on <paramref name="source"/> (at most <paramref name="maxSource"/>
    /// images, a seeded sample), the target and the optional labelled target, then diagnoses.
    /// </summary>
    public static ShiftReport Diagnose(
        SavedModel model,
        CalibrationSet validation,
        Data.ImageDataset source,
        IReadOnlyList<Data.IImageSource> target,
        Data.ImageDataset? labelledTarget,
        ShiftDiagnosisOptions options,
        IProgress<Progress.ProgressUpdate>? progress,
        string? cacheDirectory,
        int maxSource = 2000,
        bool skipBad = false
    )
    {
        var classNames = model.Manifest.ClassNames;
        foreach (var data in new[] { source, labelledTarget })
            if (data is not null && !data.ClassNames.SequenceEqual(classNames))
                throw new Data.DataException(
                    $"{data.Origin}: its classes ({string.Join(", ", data.ClassNames)}) differ from the model's "
                        + $"({string.Join(", ", classNames)}).",
                    data.Origin
                );
        if (target.Count < 2)
            throw new Data.DataException("the target needs at least 2 images.");
        int[] pick = Enumerable.Range(0, source.Count).ToArray();
        new Random(options.Seed).Shuffle(pick);
        pick = pick.Take(maxSource).Order().ToArray();
        var sourceOut = Predictor.Outputs(
            model,
            pick.Select(i => source.Items[i].Source).ToList(),
            progress,
            skipBad,
            cacheDirectory: cacheDirectory
        );
        var targetOut = Predictor.Outputs(model, target, progress, skipBad, cacheDirectory: cacheDirectory);
        ModelOutputs? labelledOut = labelledTarget is null
            ? null
            : Predictor.Outputs(
                model,
                labelledTarget.Items.Select(i => i.Source).ToList(),
                progress,
                skipBad,
                cacheDirectory: cacheDirectory
            );
        var inputs = new ShiftInputs(
            validation,
            sourceOut.Features,
            sourceOut.Kept.Select(k => source.Items[pick[k]].Label).ToArray(),
            targetOut.Features,
            targetOut.LogProbabilities,
            labelledOut?.LogProbabilities,
            labelledOut?.Kept.Select(k => labelledTarget!.Items[k].Label).ToArray()
        );
        return ShiftDiagnoser.Diagnose(inputs, classNames, options);
    }
}
