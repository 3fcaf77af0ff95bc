using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Runs;

/// <summary>One prediction.</summary>
/// <param name="Id">The image (file path or IDX record).</param>
/// <param name="Label">The predicted class name.</param>
/// <param name="Probability">Its probability.</param>
/// <param name="Probabilities">All class probabilities, by class index.</param>
public sealed record Prediction(string Id, string Label, double Probability, float[] Probabilities);

/// <summary>A saved model's outputs on a list of images.</summary>
/// <param name="Features">The backbone's pooled features, one row per kept image.</param>
/// <param name="LogProbabilities">Log-softmax outputs (with the model's test-time augmentation), one row per kept image.</param>
/// <param name="Kept">Positions in the source list of the kept images.</param>
/// <param name="Bad">Images skipped as undecodable.</param>
public sealed record ModelOutputs(float[][] Features, double[][] LogProbabilities, int[] Kept, IReadOnlyList<BadImage> Bad);

/// <summary>Runs a saved model on images: predictions and evaluation.</summary>
public static class Predictor
{
    /// <summary>Class probabilities for each source (bad images skipped when <paramref name="skipBad"/>, else an error naming the file).</summary>
    public static (List<Prediction> predictions, int[] kept, IReadOnlyList<BadImage> bad) Predict(SavedModel model, IReadOnlyList<IImageSource> sources,
        IProgressSink progress, bool skipBad = false, int batchSize = 32, string? cacheDirectory = null, Analysis.PriorAdjustment? adjustment = null)
    {
        ModelOutputs outputs = Outputs(model, sources, progress, skipBad, batchSize, cacheDirectory);
        var predictions = new List<Prediction>();
        for (int r = 0; r < outputs.Kept.Length; r++)
        {
            double[] p = adjustment is null ? outputs.LogProbabilities[r].Select(Math.Exp).ToArray() : adjustment.Apply(outputs.LogProbabilities[r]);
            float[] row = p.Select(v => (float)v).ToArray();
            int best = Array.IndexOf(row, row.Max());
            predictions.Add(new Prediction(sources[outputs.Kept[r]].Id, model.Manifest.ClassNames[best], row[best], row));
        }
        return (predictions, outputs.Kept, outputs.Bad);
    }

    /// <summary>Features and log-probabilities of each source (features cached where the backbone is the pretrained one).</summary>
    public static ModelOutputs Outputs(SavedModel model, IReadOnlyList<IImageSource> sources, IProgressSink progress, bool skipBad = false,
        int batchSize = 32, string? cacheDirectory = null)
    {
        if (model.ChannelInput is not null) return ChannelOutputs(model, sources, progress, skipBad, batchSize);
        // A fine-tuned backbone's features are not the pretrained backbone's: no shared cache for those.
        string? cacheDir = model.Manifest.BackboneFile is null ? cacheDirectory : null;
        var cache = new FeatureCache(cacheDir, model.Backbone.FeatureKey, model.Backbone.FeatureWidth);
        FeatureSet features = FeatureExtractor.Extract(model.Backbone, sources, cache, new ExtractionOptions { BatchSize = batchSize, SkipBad = skipBad }, progress, "predict");
        if (features.Rows.Length == 0) return new ModelOutputs(Array.Empty<float[]>(), Array.Empty<double[]>(), features.Kept, features.Bad);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor logits = model.Head.forward(features.ToTensor());
        if (model.Manifest.TestTimeAugmentation)
        {
            var mirrorCache = new FeatureCache(cacheDir, model.Backbone.MirroredFeatureKey, model.Backbone.FeatureWidth);
            var kept = features.Kept.Select(i => sources[i]).ToList();
            FeatureSet mirrored = FeatureExtractor.Extract(model.Backbone, kept, mirrorCache, new ExtractionOptions { BatchSize = batchSize, Mirror = true }, progress, "predict (mirrored)");
            logits = (logits + model.Head.forward(mirrored.ToTensor())) / 2;
        }
        int k = model.Manifest.ClassNames.Count;
        double[] logProbabilities = nn.functional.log_softmax(logits.to(ScalarType.Float64), 1).data<double>().ToArray();
        var rows = Enumerable.Range(0, features.Kept.Length).Select(r => logProbabilities.AsSpan(r * k, k).ToArray()).ToArray();
        return new ModelOutputs(features.Rows, rows, features.Kept, features.Bad);
    }

    /// <summary>The channel pipeline: arrays (or images) read as channels, standardised with the model's statistics; no cache.</summary>
    private static ModelOutputs ChannelOutputs(SavedModel model, IReadOnlyList<IImageSource> sources, IProgressSink progress, bool skipBad, int batchSize)
    {
        Adapters.ChannelInput input = model.ChannelInput!;
        int size = model.Manifest.InputSize, k = model.Manifest.ClassNames.Count;
        var features = new List<float[]>();
        var logs = new List<double[]>();
        var kept = new List<int>();
        var bad = new List<BadImage>();
        model.Backbone.Network.eval();
        model.Head.eval();
        using var task = progress.Begin("predict: channels", sources.Count);
        foreach (int[] chunk in Enumerable.Range(0, sources.Count).Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var rows = new List<Tensor>();
            foreach (int i in chunk)
            {
                try
                {
                    ChannelImage image = Adapters.ChannelInput.Read(sources[i]);
                    if (image.Channels != input.Channels)
                        throw new DataException($"{sources[i].Id}: {image.Channels} channel(s), but the model was trained on {input.Channels}.", sources[i].Id);
                    rows.Add(Adapters.ChannelInput.Resize(image, size));
                    kept.Add(i);
                }
                catch (DataException e) when (skipBad) { bad.Add(new BadImage(sources[i].Id, e.Message)); }
            }
            if (rows.Count > 0)
            {
                Tensor raw = stack(rows.ToArray());
                Tensor pooled = model.Backbone.Features(input.Prepare(raw, CPU));
                Tensor logits = model.Head.forward(pooled);
                if (model.Manifest.TestTimeAugmentation) logits = (logits + model.Head.forward(model.Backbone.Features(input.Prepare(raw, CPU, mirror: true)))) / 2;
                float[] f = pooled.data<float>().ToArray();
                double[] l = nn.functional.log_softmax(logits.to(ScalarType.Float64), 1).data<double>().ToArray();
                int width = (int)pooled.shape[1];
                for (int r = 0; r < rows.Count; r++)
                {
                    features.Add(f.AsSpan(r * width, width).ToArray());
                    logs.Add(l.AsSpan(r * k, k).ToArray());
                }
            }
            task.Advance(chunk.Length);
        }
        return new ModelOutputs(features.ToArray(), logs.ToArray(), kept.ToArray(), bad);
    }

    /// <summary>Accuracy, per-class accuracy and confusion matrix on a labelled dataset whose class names match the model's.</summary>
    public static ClassificationReport Evaluate(SavedModel model, ImageDataset data, IProgressSink progress, bool skipBad = false, string? cacheDirectory = null)
    {
        if (!data.ClassNames.SequenceEqual(model.Manifest.ClassNames))
            throw new DataException($"{data.Origin}: its classes ({string.Join(", ", data.ClassNames)}) differ from the model's ({string.Join(", ", model.Manifest.ClassNames)}).", data.Origin);
        var (predictions, kept, _) = Predict(model, data.Items.Select(i => i.Source).ToList(), progress, skipBad, cacheDirectory: cacheDirectory);
        var names = model.Manifest.ClassNames.ToList();
        long[] truth = kept.Select(i => (long)data.Items[i].Label).ToArray();
        long[] predicted = predictions.Select(p => (long)names.IndexOf(p.Label)).ToArray();
        return ClassificationReport.From(truth, predicted, model.Manifest.ClassNames);
    }
}
