using TorchSharp;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Runs;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Strategies;

/// <summary>What feature extraction produced.</summary>
/// <param name="Head">The trained head.</param>
/// <param name="HeldOutLabels">Labels of every kept labelled image.</param>
/// <param name="HeldOutLogProbabilities">Out-of-fold log-probabilities on them (5 folds at the chosen weight decay): a held-out
/// calibration set as large as the labelled data.</param>
public sealed record FeatureExtractionOutcome(ClassifierHead Head, int[] HeldOutLabels, double[][] HeldOutLogProbabilities);

/// <summary>
/// Feature extraction: the backbone frozen for real (no gradients, BN in eval mode, never touched by an optimizer);
/// its pooled features computed once per image and cached; a logistic-regression head fitted on them.
/// </summary>
public static class FeatureExtractionStrategy
{
    /// <summary>Trains the head and records the metrics.</summary>
    public static FeatureExtractionOutcome Train(Backbone backbone, ImageDataset train, int[] trainIdx, int[] valIdx, ImageDataset? test,
        FitOptions options, Device device, RunRecord record, IProgressSink progress)
    {
        Freeze(backbone);
        if (device.type != DeviceType.CPU) backbone.Network.to(device);
        string? cacheDirectory = options.ResolveCacheDirectory();
        var cache = new FeatureCache(cacheDirectory, backbone.FeatureKey, backbone.FeatureWidth);
        var extraction = new ExtractionOptions { BatchSize = options.BatchSize, SkipBad = options.SkipBad, Device = device };

        // 1. Features of every labelled image, then of the test images (all decoding problems surface here, before training).
        var labelled = train.Items.Select(i => i.Source).ToList();
        FeatureSet features = FeatureExtractor.Extract(backbone, labelled, cache, extraction, progress, "train+validation");
        FeatureSet? testFeatures = test is null ? null
            : FeatureExtractor.Extract(backbone, test.Items.Select(i => i.Source).ToList(), cache, extraction, progress, "test");
        // Test-time augmentation: features of the mirror images too; the head trains on both views and predicts on their mean.
        FeatureSet? mirrored = null, testMirrored = null;
        if (options.TestTimeAugmentation)
        {
            var mirrorCache = new FeatureCache(cacheDirectory, backbone.MirroredFeatureKey, backbone.FeatureWidth);
            var mirrorOptions = extraction with { Mirror = true, SkipBad = true };
            mirrored = FeatureExtractor.Extract(backbone, features.Kept.Select(i => labelled[i]).ToList(), mirrorCache, mirrorOptions, progress, "train+validation (mirrored)");
            if (test is not null && testFeatures is not null)
                testMirrored = FeatureExtractor.Extract(backbone, testFeatures.Kept.Select(i => test.Items[i].Source).ToList(), mirrorCache, mirrorOptions, progress, "test (mirrored)");
        }
        var bad = features.Bad.Concat(testFeatures?.Bad ?? Array.Empty<BadImage>()).ToList();
        if (bad.Count > 0) progress.Info($"skipped {bad.Count} undecodable image(s); listed in metrics.json");
        int hits = features.CacheHits + (testFeatures?.CacheHits ?? 0);
        int computed = features.Computed + (testFeatures?.Computed ?? 0);
        double seconds = features.Seconds + (testFeatures?.Seconds ?? 0);
        record.Set("seconds_extraction", Math.Round(seconds, 3))
              .Set("images_extracted", computed)
              .Set("images_per_second_extraction", computed > 0 ? Math.Round(computed / seconds, 2) : 0)
              .Set("feature_cache", new { hits, misses = computed, hit = computed == 0 && hits > 0, directory = cacheDirectory })
              .Set("skipped_images", bad);

        // 2. The head, its weight decay chosen on the validation split.
        using var scope = NewDisposeScope();
        var position = features.Kept.Select((p, k) => (p, k)).ToDictionary(t => t.p, t => t.k);
        Tensor all = features.ToTensor();
        Tensor? allMirrored = mirrored?.ToTensor();
        Tensor Select(Tensor source, int[] idx) => source.index_select(0, tensor(idx.Where(position.ContainsKey).Select(i => (long)position[i]).ToArray()));
        Tensor Labels(int[] idx) => tensor(idx.Where(position.ContainsKey).Select(i => (long)train.Items[i].Label).ToArray());
        // With mirrored views, training rows are both views of each training image; validation stays one view.
        Tensor trainX = allMirrored is null ? Select(all, trainIdx) : cat(new[] { Select(all, trainIdx), Select(allMirrored, trainIdx) }, 0);
        Tensor trainY = allMirrored is null ? Labels(trainIdx) : cat(new[] { Labels(trainIdx), Labels(trainIdx) }, 0);
        var probeOptions = new LinearProbeOptions { Seed = options.Seed, Steps = options.Epochs ?? 300 };
        LinearProbeResult probe = LinearProbe.Fit(trainX, trainY, Select(all, valIdx), Labels(valIdx), train.ClassNames.Count, probeOptions, progress);
        record.Set("head", "multinomial logistic regression on standardised features")
              .Set("head_steps", probeOptions.Steps)
              .Set("weight_decay", probe.WeightDecay)
              .Set("weight_decay_trials", probe.Trials)
              .Set("refit_on_train_and_validation", probeOptions.RefitOnAll)
              .Set("train_accuracy", Math.Round(probe.TrainAccuracy, 4))
              .Set("val_accuracy", Math.Round(probe.ValidationAccuracy, 4))
              .Set("val_loss", Math.Round(probe.ValidationLoss, 4))
              .Set("trainable_parameters", probe.Head.parameters().Sum(p => p.numel()));

        // 3. Test.
        if (test is not null && testFeatures is not null)
        {
            Tensor testX = testFeatures.ToTensor();
            Tensor testY = tensor(testFeatures.Kept.Select(i => (long)test.Items[i].Label).ToArray());
            using var noGrad = no_grad();
            Tensor logits = probe.Head.forward(testX);
            if (testMirrored is not null) logits = (logits + probe.Head.forward(testMirrored.ToTensor())) / 2;
            Tensor predicted = logits.argmax(1);
            var report = ClassificationReport.From(testY.data<long>().ToArray(), predicted.data<long>().ToArray(), train.ClassNames);
            record.Set("test_accuracy", Math.Round(report.Accuracy, 4)).Set("test_per_class_accuracy", report.PerClassAccuracy);
        }
        // 4. Held-out predictions for calibration and label-shift estimation: out of fold over all labelled images.
        int[] labelledRows = trainIdx.Concat(valIdx).Where(position.ContainsKey).ToArray();
        double[][] outOfFold = LinearProbe.OutOfFold(Select(all, labelledRows), Labels(labelledRows), allMirrored is null ? null : Select(allMirrored, labelledRows),
            train.ClassNames.Count, probe.WeightDecay, probeOptions, progress);
        return new FeatureExtractionOutcome(probe.Head, labelledRows.Select(i => train.Items[i].Label).ToArray(), outOfFold);
    }

    /// <summary>Freezes the whole backbone: requires_grad off, gradients null, BatchNorm in eval mode.</summary>
    public static void Freeze(Backbone backbone)
    {
        foreach (var parameter in backbone.Network.parameters())
        {
            parameter.requires_grad_(false);
            parameter.grad = null;
        }
        backbone.Network.eval();
    }
}
