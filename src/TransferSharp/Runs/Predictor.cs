using TransferSharp.Analysis;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Runs;

/// <summary>Runs a saved model on images: predictions and evaluation.</summary>
public static class Predictor
{
    /// <summary>Class probabilities for each source (bad images skipped when <paramref name="skipBad"/>, else an error
    /// naming the file).</summary>
    public static (List<Prediction> predictions, int[] kept, IReadOnlyList<BadImage> bad) Predict(
        SavedModel model,
        IReadOnlyList<IImageSource> sources,
        IProgress<ProgressUpdate>? progress,
        bool skipBad = false,
        int batchSize = 32,
        string? cacheDirectory = null,
        PriorAdjustment? adjustment = null
    )
    {
        ModelOutputs outputs = Outputs(model, sources, progress, skipBad, batchSize, cacheDirectory);
        var predictions = new List<Prediction>();
        for (int r = 0; r < outputs.Kept.Length; r++)
        {
            double[] p = adjustment is null
                ? outputs.LogProbabilities[r].Select(Math.Exp).ToArray()
                : adjustment.Apply(outputs.LogProbabilities[r]);
            float[] row = p.Select(v => (float)v).ToArray();
            int best = Array.IndexOf(row, row.Max());
            predictions.Add(
                new Prediction(sources[outputs.Kept[r]].Id, model.Manifest.ClassNames[best], row[best], row)
            );
        }
        return (predictions, outputs.Kept, outputs.Bad);
    }

    /// <summary>Features and log-probabilities of each source (features cached where the backbone is the pretrained
    /// one).</summary>
    public static ModelOutputs Outputs(
        SavedModel model,
        IReadOnlyList<IImageSource> sources,
        IProgress<ProgressUpdate>? progress,
        bool skipBad = false,
        int batchSize = 32,
        string? cacheDirectory = null,
        CancellationToken cancellation = default
    )
    {
        if (model.Members.Count == 0)
            return SingleOutputs(model, sources, progress, skipBad, batchSize, cacheDirectory, cancellation);
        // An ensemble: the weighted mean of its members' probabilities; features are the top-level member's.
        var outputs = new List<ModelOutputs>();
        foreach (EnsembleMember member in model.Members)
        {
            progress.Info($"ensemble member {member.Name} (weight {member.Weight:0.###})");
            outputs.Add(
                SingleOutputs(member.Model, sources, progress, skipBad, batchSize, cacheDirectory, cancellation)
            );
        }
        if (outputs.Any(o => !o.Kept.SequenceEqual(outputs[0].Kept)))
            throw new InvalidOperationException("the ensemble's members decoded different images.");
        ModelOutputs top = outputs[model.Members.ToList().FindIndex(m => m.Model.Backbone == model.Backbone)];
        double[][] logs = Inference.MixProbabilities(
            outputs.Select(o => o.LogProbabilities).ToList(),
            model.Members.Select(m => m.Weight).ToList()
        );
        return top with { LogProbabilities = logs };
    }

    private static ModelOutputs SingleOutputs(
        SavedModel model,
        IReadOnlyList<IImageSource> sources,
        IProgress<ProgressUpdate>? progress,
        bool skipBad,
        int batchSize,
        string? cacheDirectory,
        CancellationToken cancellation
    )
    {
        if (model.ChannelInput is not null)
            return ChannelOutputs(model, sources, progress, skipBad, batchSize);
        // A fine-tuned backbone's features are not the pretrained backbone's: no shared cache for those.
        string? cacheDir = model.Manifest.BackboneFile is null ? cacheDirectory : null;
        FrozenQuantization? quantization = model.Manifest.FrozenQuantization?.ForMachine(
            FrozenQuantization.MachineWeightLevels
        );
        if (quantization is not null && quantization.WeightLevels < model.Manifest.FrozenQuantization!.WeightLevels)
            progress.Info(
                $"int8 frozen pass: this CPU has no VNNI, so the run's {model.Manifest.FrozenQuantization.WeightLevels}"
                    + $"-level weights run on {quantization.WeightLevels} levels (the same activation ranges); "
                    + "features may differ slightly from the ones the head was trained on."
            );
        string key = quantization is null
            ? model.Backbone.FeatureKey
            : model.Backbone.QuantizedFeatureKey(quantization);
        var cache = new FeatureCache(cacheDir, key, model.Backbone.FeatureWidth);
        var options = new ExtractionOptions
        {
            BatchSize = batchSize,
            SkipBad = skipBad,
            Quantization = quantization,
        };
        FeatureSet features = FeatureExtractor.Extract(
            model.Backbone,
            sources,
            cache,
            options,
            progress,
            "predict",
            cancellation
        );
        if (features.Rows.Length == 0)
            return new ModelOutputs(Array.Empty<float[]>(), Array.Empty<double[]>(), features.Kept, features.Bad);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor logits = Inference.Logits(
            mirror =>
                model.Head.forward(
                    mirror
                        ? Mirrored(model, sources, features, cacheDir, batchSize, progress).ToTensor()
                        : features.ToTensor()
                ),
            model.Manifest.TestTimeAugmentation
        );
        return new ModelOutputs(features.Rows, Inference.LogSoftmaxRows(logits), features.Kept, features.Bad);
    }

    /// <summary>Accuracy, per-class accuracy and confusion matrix on a labelled dataset whose class names match the
    /// model's.</summary>
    public static ClassificationReport Evaluate(
        SavedModel model,
        ImageDataset data,
        IProgress<ProgressUpdate>? progress,
        bool skipBad = false,
        string? cacheDirectory = null
    )
    {
        if (!data.ClassNames.SequenceEqual(model.Manifest.ClassNames))
            throw new DataException(
                $"{data.Origin}: its classes ({string.Join(", ", data.ClassNames)}) differ from the "
                    + $"model's ({string.Join(", ", model.Manifest.ClassNames)}).",
                data.Origin
            );
        var sources = data.Items.Select(i => i.Source).ToList();
        var (predictions, kept, _) = Predict(model, sources, progress, skipBad, cacheDirectory: cacheDirectory);
        var names = model.Manifest.ClassNames.ToList();
        long[] truth = kept.Select(i => (long)data.Items[i].Label).ToArray();
        long[] predicted = predictions.Select(p => (long)names.IndexOf(p.Label)).ToArray();
        return ClassificationReport.From(truth, predicted, model.Manifest.ClassNames);
    }

    private static FeatureSet Mirrored(
        SavedModel model,
        IReadOnlyList<IImageSource> sources,
        FeatureSet features,
        string? cacheDir,
        int batchSize,
        IProgress<ProgressUpdate>? progress
    )
    {
        var cache = new FeatureCache(cacheDir, model.Backbone.MirroredFeatureKey, model.Backbone.FeatureWidth);
        var kept = features.Kept.Select(i => sources[i]).ToList();
        var options = new ExtractionOptions { BatchSize = batchSize, Mirror = true };
        return FeatureExtractor.Extract(model.Backbone, kept, cache, options, progress, "predict (mirrored)");
    }

    /// <summary>The channel pipeline: arrays (or images) read as channels, standardised with the model's statistics; no
    /// cache.</summary>
    private static ModelOutputs ChannelOutputs(
        SavedModel model,
        IReadOnlyList<IImageSource> sources,
        IProgress<ProgressUpdate>? progress,
        bool skipBad,
        int batchSize
    )
    {
        Adapters.ChannelInput input = model.ChannelInput!;
        var features = new List<float[]>();
        var logs = new List<double[]>();
        var kept = new List<int>();
        var bad = new List<BadImage>();
        model.Backbone.Network.eval();
        model.Head.eval();
        using var task = progress.Begin("predict: channels", sources.Count);
        Inference.ForEachBatch(
            sources.Count,
            batchSize,
            index =>
            {
                int[] rows = index.data<long>().Select(i => (int)i).ToArray();
                var read = ReadChannels(model, sources, rows, input.Channels, skipBad, kept, bad);
                if (read.Count > 0)
                {
                    Tensor raw = stack(read.ToArray());
                    Tensor pooled = model.Backbone.Features(input.Prepare(raw, CPU));
                    Tensor logits = Inference.Logits(
                        mirror =>
                            mirror
                                ? model.Head.forward(model.Backbone.Features(input.Prepare(raw, CPU, mirror: true)))
                                : model.Head.forward(pooled),
                        model.Manifest.TestTimeAugmentation
                    );
                    int width = (int)pooled.shape[1];
                    float[] f = pooled.data<float>().ToArray();
                    for (int r = 0; r < read.Count; r++)
                        features.Add(f.AsSpan(r * width, width).ToArray());
                    logs.AddRange(Inference.LogSoftmaxRows(logits));
                }
                task.Advance(rows.Length);
            }
        );
        return new ModelOutputs(features.ToArray(), logs.ToArray(), kept.ToArray(), bad);
    }

    private static List<Tensor> ReadChannels(
        SavedModel model,
        IReadOnlyList<IImageSource> sources,
        int[] rows,
        int channels,
        bool skipBad,
        List<int> kept,
        List<BadImage> bad
    )
    {
        var read = new List<Tensor>();
        foreach (int i in rows)
        {
            try
            {
                ChannelImage image = Adapters.ChannelInput.Read(sources[i]);
                if (image.Channels != channels)
                    throw new DataException(
                        $"{sources[i].Id}: {image.Channels} channel(s), but the model was trained on " + $"{channels}.",
                        sources[i].Id
                    );
                read.Add(Adapters.ChannelInput.Resize(image, model.Manifest.InputSize));
                kept.Add(i);
            }
            catch (DataException e) when (skipBad)
            {
                bad.Add(new BadImage(sources[i].Id, e.Message));
            }
        }
        return read;
    }
}
