using TransferSharp.Progress;

namespace TransferSharp.Multimodal;

/// <summary>Permutation importance on validation: the accuracy lost when one column's values (or the image's
/// features) are shuffled across rows, so that the model meets them with the wrong record.</summary>
internal static class Permutation
{
    public static IReadOnlyList<Importance> Importance(
        IFusionModel model,
        FusionRows validation,
        RecordEncoder encoder,
        MultimodalOptions options,
        IProgress<ProgressUpdate>? progress
    )
    {
        if (validation.Count < 2)
            return Array.Empty<Importance>();
        double baseline = MultimodalLearner.Score(model.Probabilities(validation), validation.Labels).accuracy;
        var blocks = new List<(string name, int start, int length)>();
        if (model.Kind != FusionKind.RecordBoosted && model.Kind != FusionKind.RecordOnly)
            blocks.Add(("(image)", 0, validation.ImageWidth + 1));
        if (model.Kind != FusionKind.ImageOnly)
            for (int c = 0; c < encoder.Columns.Count; c++)
                blocks.Add(
                    (encoder.Columns[c].Name, validation.ImageWidth + 1 + encoder.Offset(c), encoder.Columns[c].Width)
                );
        using var task = progress.Begin("permutation importance", blocks.Count);
        var random = new Random(options.Seed);
        var result = new List<Importance>();
        foreach (var (name, start, length) in blocks)
        {
            double drop = 0;
            for (int r = 0; r < options.ImportanceRepeats; r++)
            {
                int[] permutation = Enumerable.Range(0, validation.Count).ToArray();
                random.Shuffle(permutation);
                FusionRows shuffled = validation.Permuted(start, length, permutation);
                drop += baseline - MultimodalLearner.Score(model.Probabilities(shuffled), shuffled.Labels).accuracy;
            }
            double mean = Math.Round(drop / options.ImportanceRepeats, 4);
            result.Add(new Importance(name, mean == 0 ? 0 : mean)); // no "-0" in the record
            task.Advance(1);
        }
        return result.OrderByDescending(i => i.AccuracyDrop).ToArray();
    }
}
