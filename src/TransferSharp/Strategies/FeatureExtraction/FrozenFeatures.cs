using TorchSharp;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Strategies.FeatureExtraction;

/// <summary>
/// Feature extraction on 8-bit images: features of every labelled and test image computed once (or read from the
/// cache), a logistic-regression head with its weight decay chosen on validation, out-of-fold held-out predictions.
/// </summary>
internal static class FrozenFeatures
{
    public static StrategyOutcome Train(StrategyRun run, FeatureExtractionOptions options)
    {
        Freeze(run.Backbone);
        if (run.Device.type != DeviceType.CPU)
            run.Backbone.Network.to(run.Device);
        var views = Extracted.From(run, options);
        using var scope = NewDisposeScope();
        var rows = new FeatureRows(run, views);
        var probeOptions = new LinearProbeOptions
        {
            Seed = run.Seed,
            Steps = options.HeadSteps,
            Solver = options.HeadSolver,
        };
        string key = FittedProbe.KeyOf(
            run,
            run.Backbone.FeatureKey + "|" + (views.Quantization?.Key() ?? "fp32"),
            probeOptions,
            views.Mirrored
        );
        FittedProbe? reused = run.FittedProbe is { } fitted && fitted.Key == key ? fitted : null;
        if (reused is not null)
            run.Progress.Info(
                $"head: the candidate's (weight decay {reused.Probe.WeightDecay:G3}) and its out-of-fold predictions"
            );
        LinearProbeResult probe = reused is null
            ? LinearProbe.Fit(
                rows.Training(run.TrainRows),
                rows.Labels(run.TrainRows, views.Mirrored),
                rows.Select(run.ValidationRows),
                rows.Labels(run.ValidationRows, false),
                run.Data.ClassNames.Count,
                probeOptions,
                run.Progress,
                run.Cancellation
            )
            : reused.Probe with
            {
                Head = reused.Probe.Head.Copy(),
            };
        TrainingReport report = views.Report() with
        {
            Head = "multinomial logistic regression on standardised features",
            HeadSteps = probeOptions.Steps,
            HeadSolver = probeOptions.Solver.ToString().ToLowerInvariant(),
            WeightDecay = probe.WeightDecay,
            WeightDecayTrials = probe.Trials,
            RefitOnTrainAndValidation = probeOptions.RefitOnAll,
            TrainAccuracy = Math.Round(probe.TrainAccuracy, 4),
            ValAccuracy = Math.Round(probe.ValidationAccuracy, 4),
            ValLoss = Math.Round(probe.ValidationLoss, 4),
            TrainableParameters = probe.Head.parameters().Sum(p => p.numel()),
        };
        (report, PredictionSet? test) = Tested(report, run, views, probe.Head);
        // Held-out predictions for calibration and label-shift estimation: out of fold over all labelled images.
        PredictionSet heldOut = reused?.HeldOut ?? OutOfFold(run, views, rows, probe, probeOptions);
        return new StrategyOutcome(probe.Head, false, null, heldOut, test, report)
        {
            Quantization = views.Quantization,
            FittedProbe = new FittedProbe(key, probe, heldOut),
        };
    }

    private static PredictionSet OutOfFold(
        StrategyRun run,
        Extracted views,
        FeatureRows rows,
        LinearProbeResult probe,
        LinearProbeOptions probeOptions
    )
    {
        int[] labelled = run.TrainRows.Concat(run.ValidationRows).Where(rows.Has).ToArray();
        double[][] outOfFold = LinearProbe.OutOfFold(
            rows.Select(labelled),
            rows.Labels(labelled, false),
            views.Mirrored ? rows.SelectMirrored(labelled) : null,
            run.Data.ClassNames.Count,
            probe.WeightDecay,
            probeOptions,
            run.Progress,
            warmStart: probe.Head
        );
        int[] labels = labelled.Select(i => run.Data.Items[i].Label).ToArray();
        string[] ids = labelled.Select(i => run.Data.Items[i].Source.Id).ToArray();
        return new PredictionSet(ids, labels, outOfFold);
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

    /// <summary>The frozen pass over <paramref name="sources"/> with the run's backbone, progress and
    /// cancellation.</summary>
    internal static FeatureSet Extract(
        StrategyRun run,
        IReadOnlyList<IImageSource> sources,
        FeatureCache cache,
        ExtractionOptions options,
        string label
    ) => FeatureExtractor.Extract(run.Backbone, sources, cache, options, run.Progress, label, run.Cancellation);

    private static (TrainingReport report, PredictionSet? test) Tested(
        TrainingReport report,
        StrategyRun run,
        Extracted views,
        ClassifierHead head
    )
    {
        if (run.Test is not { } test || views.Test is not { } testFeatures)
            return (report, null);
        Tensor testX = testFeatures.ToTensor();
        long[] labels = testFeatures.Kept.Select(i => (long)test.Items[i].Label).ToArray();
        using var noGrad = no_grad();
        Tensor logits = Inference.Logits(
            mirror => head.forward(mirror ? views.TestMirrored!.ToTensor() : testX),
            views.TestMirrored is not null
        );
        var classification = ClassificationReport.From(
            labels,
            logits.argmax(1).data<long>().ToArray(),
            run.Data.ClassNames
        );
        string[] ids = testFeatures.Kept.Select(i => test.Items[i].Source.Id).ToArray();
        var predictions = new PredictionSet(
            ids,
            labels.Select(l => (int)l).ToArray(),
            Inference.LogSoftmaxRows(logits)
        );
        return (
            report with
            {
                TestAccuracy = Math.Round(classification.Accuracy, 4),
                TestPerClassAccuracy = classification.PerClassAccuracy,
            },
            predictions
        );
    }

    /// <summary>The features of every labelled and test image, and of their mirror images under test-time
    /// augmentation.</summary>
    private sealed record Extracted(
        FeatureSet Labelled,
        FeatureSet? Test,
        FeatureSet? LabelledMirrored,
        FeatureSet? TestMirrored,
        string? CacheDirectory
    )
    {
        public bool Mirrored => LabelledMirrored is not null;

        /// <summary>The int8 pass the features came from; null: fp32.</summary>
        public FrozenQuantization? Quantization { get; init; }

        /// <summary>The precision asked for and used, when int8 was asked for.</summary>
        public FrozenPrecisionReport? Precision { get; init; }

        public static Extracted From(StrategyRun run, FeatureExtractionOptions options)
        {
            IReadOnlyList<int> cacheGrids = options.CacheGrids;
            Backbone backbone = run.Backbone;
            string? directory = run.DataOptions.ResolveCacheDirectory();
            long? limit = run.DataOptions.CacheLimitBytes;
            var cache = new FeatureCache(directory, backbone.FeatureKey, backbone.FeatureWidth, limit);
            Preload(run, cache, backbone.FeatureKey);
            var companions =
                directory is null || backbone.FinalFeaturesOnly
                    ? []
                    : cacheGrids
                        .Where(g => g != backbone.FeatureGrid)
                        .Distinct()
                        .Select(g => new GridCompanion(
                            g,
                            new FeatureCache(directory, backbone.FeatureKeyAt(g), backbone.FeatureWidthAt(g), limit)
                        ))
                        .ToList();
            var extraction = new ExtractionOptions
            {
                BatchSize = run.Training.BatchSize,
                SkipBad = run.DataOptions.SkipBad,
                Device = run.Device,
                Companions = companions,
            };
            FrozenPrecisionReport? precision = null;
            if (options.Precision == FrozenPrecision.Int8)
            {
                var quantized = QuantizedFeatures.Extract(run, cache, extraction, directory, limit, out var report);
                precision = report;
                if (quantized is var (int8, int8Test, quantization))
                    return new Extracted(int8, int8Test, null, null, directory)
                    {
                        Quantization = quantization,
                        Precision = precision,
                    };
            }
            // Every labelled image, then the test images: all decoding problems surface here, before training.
            var labelled = run.Data.Items.Select(i => i.Source).ToList();
            FeatureSet features = Extract(run, labelled, cache, extraction, "train+validation");
            FeatureSet? test = run.Test is null
                ? null
                : Extract(run, run.Test.Items.Select(i => i.Source).ToList(), cache, extraction, "test");
            Tell(run, cache);
            if (!run.Model.TestTimeAugmentation)
                return new Extracted(features, test, null, null, directory) { Precision = precision };
            // Test-time augmentation: the head trains on both views and predicts on their mean.
            var mirrorCache = new FeatureCache(directory, backbone.MirroredFeatureKey, backbone.FeatureWidth, limit);
            Preload(run, mirrorCache, backbone.MirroredFeatureKey);
            var mirror = extraction with { Mirror = true, SkipBad = true };
            FeatureSet mirrored = Extract(
                run,
                features.Kept.Select(i => labelled[i]).ToList(),
                mirrorCache,
                mirror,
                "train+validation (mirrored)"
            );
            FeatureSet? testMirrored =
                run.Test is null || test is null
                    ? null
                    : Extract(
                        run,
                        test.Kept.Select(i => run.Test.Items[i].Source).ToList(),
                        mirrorCache,
                        mirror,
                        "test (mirrored)"
                    );
            Tell(run, mirrorCache);
            return new Extracted(features, test, mirrored, testMirrored, directory) { Precision = precision };
        }

        /// <summary>With <see cref="Data.DataOptions.FeaturesFrom"/>: the shards' features, looked up before the
        /// cache.</summary>
        private static void Preload(StrategyRun run, FeatureCache cache, string key)
        {
            if (run.DataOptions.FeaturesFrom is not { } folder)
                return;
            if (!Directory.Exists(folder))
                throw new DirectoryNotFoundException($"{folder}: feature shard folder not found (--features-from).");
            if (!run.DataOptions.FeaturesFromRequired && !FeatureShards.Has(folder, key))
            {
                run.Progress.Info($"features from {folder}: none for {key}; this candidate extracts its own");
                return;
            }
            var (features, shards) = FeatureShards.Load(folder, key, cache.Width);
            cache.Preload(features);
            run.Progress.Info($"features from {folder}: {features.Count} images in {shards} shard(s)");
        }

        /// <summary>Says once why a cache file was not used, or why the cache runs in memory only.</summary>
        private static void Tell(StrategyRun run, FeatureCache cache)
        {
            if (cache.Discarded is { } discarded)
                run.Progress.Info($"feature cache: {discarded}");
            if (cache.Warning is { } warning)
                run.Progress.Info($"warning: {warning}");
        }

        public TrainingReport Report()
        {
            var bad = Labelled.Bad.Concat(Test?.Bad ?? Array.Empty<BadImage>()).ToList();
            int hits = Labelled.CacheHits + (Test?.CacheHits ?? 0);
            int computed = Labelled.Computed + (Test?.Computed ?? 0);
            double seconds = Labelled.Seconds + (Test?.Seconds ?? 0);
            return new TrainingReport
            {
                SecondsExtraction = Math.Round(seconds, 3),
                ImagesExtracted = computed,
                ImagesPerSecondExtraction = computed > 0 ? Math.Round(computed / seconds, 2) : 0,
                ExtractionEngine = Labelled.Engine != "none" ? Labelled.Engine : Test?.Engine ?? "none",
                FeatureCache = new FeatureCacheUse(hits, computed, computed == 0 && hits > 0, CacheDirectory),
                FrozenPrecision = Precision,
                SkippedImages = bad,
            };
        }
    }

    /// <summary>The labelled images' feature rows, addressed by dataset row (skipped images have none).</summary>
    private sealed class FeatureRows
    {
        private readonly StrategyRun run;
        private readonly Dictionary<int, int> position;
        private readonly Tensor all;
        private readonly Tensor? mirrored;

        public FeatureRows(StrategyRun run, Extracted views)
        {
            this.run = run;
            position = views.Labelled.Kept.Select((p, k) => (p, k)).ToDictionary(t => t.p, t => t.k);
            all = views.Labelled.ToTensor();
            mirrored = views.LabelledMirrored?.ToTensor();
            var bad = views.Labelled.Bad.Concat(views.Test?.Bad ?? Array.Empty<BadImage>()).ToList();
            if (bad.Count > 0)
                run.Progress.Info($"skipped {bad.Count} undecodable image(s); listed in metrics.json");
        }

        public bool Has(int row) => position.ContainsKey(row);

        public Tensor Select(int[] rows) => Pick(all, rows);

        public Tensor SelectMirrored(int[] rows) => Pick(mirrored!, rows);

        /// <summary>Training rows: with mirrored views, both views of each image.</summary>
        public Tensor Training(int[] rows) =>
            mirrored is null ? Select(rows) : cat(new[] { Select(rows), SelectMirrored(rows) }, 0);

        public Tensor Labels(int[] rows, bool twice)
        {
            Tensor labels = tensor(rows.Where(Has).Select(i => (long)run.Data.Items[i].Label).ToArray());
            return twice ? cat(new[] { labels, labels }, 0) : labels;
        }

        private Tensor Pick(Tensor source, int[] rows) =>
            source.index_select(0, tensor(rows.Where(Has).Select(i => (long)position[i]).ToArray()));
    }
}
