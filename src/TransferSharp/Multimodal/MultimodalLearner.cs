using System.Diagnostics;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;

namespace TransferSharp.Multimodal;

/// <summary>
/// Fits an image + record model: the frozen backbone's pooled features and the encoded record, five candidates (image
/// only, record only as an MLP and as LightGBM, late fusion, FiLM), the one best on validation kept.
/// </summary>
public static class MultimodalLearner
{
    /// <summary>Runs the fit; bad data is a <see cref="DataException"/> raised before any training.</summary>
    public static MultimodalResult Fit(
        MultimodalOptions options,
        IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellation = default
    )
    {
        options.Validate();
        var watch = Stopwatch.StartNew();
        var warnings = new List<string>();
        Split data = Split.Read(options, warnings);
        string? imageRun = null;
        string? jointWeights = null;
        if (options.ImageStrategy is not null)
        {
            imageRun = Path.Combine(Path.GetTempPath(), $"transfersharp-image-{Guid.NewGuid():N}");
            TunedImageBranch.Fit(
                data.Table,
                data.TrainSources,
                data.Labels,
                data.ClassNames,
                data.TrainRows,
                options,
                imageRun,
                progress,
                cancellation
            );
        }
        try
        {
            var (backbone, owner, cacheable) = TunedImageBranch.Open(
                imageRun,
                options.Backbone,
                options.Size,
                options.FeatureLayers
            );
            using var owned = owner;
            var cache = new FeatureCache(
                cacheable ? options.CacheDirectory : null,
                backbone.FeatureKey,
                backbone.FeatureWidth
            );
            var bad = new List<BadImage>();
            var extraction = Stopwatch.StartNew();
            // The image features of the labelled rows and of the test rows (again after joint tuning).
            (float[]?[] labelled, float[]?[]? test) Extract(FeatureCache features, string tag, List<BadImage> sink) =>
                (
                    ImageBranch.Features(
                        backbone,
                        data.TrainSources,
                        features,
                        options.BatchSize,
                        progress,
                        "train+validation" + tag,
                        sink,
                        cancellation
                    ),
                    data.Test is null
                        ? null
                        : ImageBranch.Features(
                            backbone,
                            data.TestSources!,
                            features,
                            options.BatchSize,
                            progress,
                            "test" + tag,
                            sink,
                            cancellation
                        )
                );
            var (labelled, test) = Extract(cache, "", bad);
            double extractionSeconds = extraction.Elapsed.TotalSeconds;
            warnings.AddRange(bad.Select(b => $"image skipped (treated as missing): {b.Reason}"));
            var train = data.TrainRows.Where(i => labelled[i] is not null).ToArray();
            if (train.Length == 0)
                throw new DataException($"{options.Data}: no training row has a readable image.", options.Data);
            var (mean, scale) = Standardization(train.Select(i => labelled[i]!).ToArray(), backbone.FeatureWidth);

            RecordEncoder encoder = RecordEncoder.Fit(
                data.Table,
                data.Columns,
                data.TrainRows,
                options.ColumnKinds,
                options.CategoricalLimit
            );
            foreach (ColumnEncoder c in encoder.Columns.Where(c => c.Embedding > 0))
                warnings.Add(
                    $"column '{c.Name}': {c.DistinctValues} distinct values (above --categorical-limit), read through "
                        + $"a learned embedding of width {c.Embedding}: {c.Categories.Count} values seen twice or more "
                        + "have a row, the others read as unknown."
                );
            FusionRows Rows(RecordTable table, int[] rows, float[]?[] features, int[] labels) =>
                FusionRows.Pack(
                    rows.Select(i => features[i]).ToArray(),
                    encoder.Encode(table, rows),
                    rows.Select(i => labels[i]).ToArray(),
                    backbone.FeatureWidth,
                    mean,
                    scale
                );
            (FusionRows train, FusionRows validation, FusionRows? test) Pack(float[]?[] labelled, float[]?[]? test) =>
                (
                    Rows(data.Table, data.TrainRows, labelled, data.Labels),
                    Rows(data.Table, data.ValidationRows, labelled, data.Labels),
                    data.Test is null
                        ? null
                        : Rows(data.Test, Enumerable.Range(0, data.Test.Rows.Count).ToArray(), test!, data.TestLabels!)
                );
            var (trainRows, valRows, testRows) = Pack(labelled, test);

            var (chosen, scores) = Candidates(
                options,
                data.ClassNames.Count,
                trainRows,
                valRows,
                testRows,
                progress,
                cancellation
            );
            CandidateScore best = scores.First(s => s.Model == chosen.Kind);
            JointSummary? joint = null;
            if (options.JointEpochs > 0 && chosen is NetworkModel { Kind: not FusionKind.RecordOnly } network)
            {
                var jointWatch = Stopwatch.StartNew();
                joint = JointTuning.Tune(
                    backbone,
                    network,
                    data.TrainRows.Select(i => data.TrainSources[i]).ToList(),
                    trainRows,
                    data.ValidationRows.Select(i => data.TrainSources[i]).ToList(),
                    valRows,
                    mean,
                    scale,
                    options,
                    progress,
                    cancellation
                );
                double? testAfter = best.TestAccuracy;
                if (joint.Kept)
                {
                    jointWeights = Path.Combine(Path.GetTempPath(), $"transfersharp-joint-{Guid.NewGuid():N}.bin");
                    backbone.Network.save(jointWeights);
                    // The tuned network's features, again: the cache holds the pretrained one's.
                    var tuned = new FeatureCache(null, backbone.FeatureKey, backbone.FeatureWidth);
                    (labelled, test) = Extract(tuned, " (tuned)", new List<BadImage>());
                    (trainRows, valRows, testRows) = Pack(labelled, test);
                    if (testRows is not null)
                        testAfter = Math.Round(Score(chosen.Probabilities(testRows), testRows.Labels).accuracy, 4);
                    double valAfter = Score(chosen.Probabilities(valRows), valRows.Labels).accuracy;
                    joint = joint with { ValAfter = Math.Round(valAfter, 4) };
                }
                joint = joint with
                {
                    TestBefore = best.TestAccuracy,
                    TestAfter = testAfter,
                    Seconds = Math.Round(jointWatch.Elapsed.TotalSeconds, 2),
                };
                progress.Info(
                    joint.Kept
                        ? $"joint tuning: validation {joint.ValBefore:F4} -> {joint.ValAfter:F4} (epoch "
                            + $"{joint.BestEpoch} kept)"
                            + (testAfter is { } t ? $", test {best.TestAccuracy:F4} -> {t:F4}" : "")
                        : $"joint tuning: no epoch improved on the frozen start ({joint.ValBefore:F4}); the frozen "
                            + "model kept"
                );
            }
            else if (options.JointEpochs > 0)
            {
                string skipped = $"joint tuning skipped: the kept model ({Name(chosen.Kind)}) does not read the image.";
                progress.Info(skipped);
                warnings.Add(skipped);
            }
            var importance = Permutation.Importance(chosen, valRows, encoder, options, progress);
            var manifest = new MultimodalManifest
            {
                ClassNames = data.ClassNames,
                Model = chosen.Kind,
                ModelFile = chosen is BoostedModel ? BoostedModel.FileName : NetworkModel.FileName,
                Hidden = options.Hidden,
                Backbone = options.Backbone,
                InputSize = backbone.InputSize,
                FeatureLayers = backbone.FeatureLayers,
                ImageWidth = backbone.FeatureWidth,
                FeatureMean = mean,
                FeatureScale = scale,
                ImageColumn = data.Table.Header[data.ImageColumn],
                LabelColumn = data.Table.Header[data.LabelColumn],
                Record = encoder,
                ImageRun = imageRun is null ? null : TunedImageBranch.Folder,
                BackboneFile = jointWeights is null ? null : JointTuning.FileName,
                // Format 1 readers would ignore the tuned weights or the embeddings: they get format 2, and refuse it.
                Format =
                    jointWeights is not null || encoder.Embeddings().Count > 0
                        ? MultimodalManifest.CurrentFormat
                        : MultimodalManifest.FirstFormat,
            };
            var report = new MultimodalReport
            {
                ImageBranch = options.ImageStrategy ?? "frozen",
                Backbone = options.Backbone,
                InputSize = backbone.InputSize,
                ClassNames = data.ClassNames,
                TrainRows = trainRows.Count,
                ValRows = valRows.Count,
                TestRows = testRows?.Count ?? 0,
                MissingImages = Count(trainRows, valRows, testRows, r => !r.HasImage),
                MissingRecords = Count(trainRows, valRows, testRows, r => !r.HasRecord),
                Columns = encoder
                    .Columns.Select(c => new ColumnSummary(
                        c.Name,
                        c.Kind,
                        c.Width,
                        c.Kind == ColumnKind.Categorical ? c.Categories.Count : null,
                        c.Kind == ColumnKind.Categorical ? c.DistinctValues : null,
                        c.MissingInTraining,
                        c.Embedding > 0 ? c.Embedding : null
                    ))
                    .ToArray(),
                Candidates = scores,
                Chosen = chosen.Kind,
                Advice = Advise(scores, chosen.Kind),
                Importance = importance,
                Joint = joint,
                ValAccuracy = joint is { Kept: true } ? joint.ValAfter : best.ValAccuracy,
                TestAccuracy = joint is { Kept: true } ? joint.TestAfter : best.TestAccuracy,
                SecondsExtraction = Math.Round(extractionSeconds, 2),
                SecondsTotal = Math.Round(watch.Elapsed.TotalSeconds, 2),
                Warnings = warnings,
            };
            return new MultimodalResult(manifest, report, chosen, imageRun, jointWeights);
        }
        catch
        {
            if (jointWeights is not null)
                File.Delete(jointWeights);
            // The tuned network's run (full backbone weights) goes with the failed fit.
            if (imageRun is not null && Directory.Exists(imageRun))
                Directory.Delete(imageRun, recursive: true);
            throw;
        }
    }

    private static (IFusionModel chosen, CandidateScore[] scores) Candidates(
        MultimodalOptions options,
        int classes,
        FusionRows train,
        FusionRows validation,
        FusionRows? test,
        IProgress<ProgressUpdate>? progress,
        CancellationToken cancellation
    )
    {
        var trained = new List<(IFusionModel model, CandidateScore score)>();
        foreach (FusionKind kind in options.Candidates.Distinct())
        {
            var watch = Stopwatch.StartNew();
            IFusionModel model;
            int? bestEpoch = null;
            if (kind == FusionKind.RecordBoosted)
            {
                progress.Info("record only (LightGBM): training");
                model = BoostedModel.Train(train, classes, options.Seed);
            }
            else
            {
                using var task = progress.Begin($"{Name(kind)}: training", options.Epochs);
                var network = NetworkModel.Train(
                    kind,
                    train,
                    validation,
                    classes,
                    options,
                    (_, _) => task.Advance(1),
                    cancellation
                );
                bestEpoch = network.BestEpoch;
                model = network;
            }
            var (accuracy, loss) = Score(model.Probabilities(validation), validation.Labels);
            double? testAccuracy = test is null ? null : Score(model.Probabilities(test), test.Labels).accuracy;
            var score = new CandidateScore(
                kind,
                Math.Round(accuracy, 4),
                Math.Round(loss, 4),
                testAccuracy is { } t ? Math.Round(t, 4) : null,
                bestEpoch,
                Math.Round(watch.Elapsed.TotalSeconds, 2)
            );
            progress.Info(
                $"{Name(kind)}: validation {accuracy:F4}"
                    + (testAccuracy is { } x ? $", test {x:F4}" : "")
                    + $" ({score.Seconds:F1} s)"
            );
            trained.Add((model, score));
        }
        // The best validation accuracy; on a tie, the lower log-loss.
        var best = trained.OrderByDescending(t => t.score.ValAccuracy).ThenBy(t => t.score.ValLogLoss).First();
        foreach (var (model, _) in trained.Where(t => t.model != best.model))
            model.Dispose();
        return (best.model, trained.Select(t => t.score).ToArray());
    }

    /// <summary>Accuracy and mean log-loss of probabilities against labels.</summary>
    public static (double accuracy, double loss) Score(float[][] probabilities, int[] labels)
    {
        if (labels.Length == 0)
            return (0, 0);
        int correct = 0;
        double loss = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            float[] p = probabilities[i];
            int argmax = Array.IndexOf(p, p.Max());
            correct += argmax == labels[i] ? 1 : 0;
            loss -= Math.Log(Math.Max(1e-12, p[labels[i]]));
        }
        return ((double)correct / labels.Length, loss / labels.Length);
    }

    /// <summary>The candidate's name in messages and the report.</summary>
    public static string Name(FusionKind kind) =>
        kind switch
        {
            FusionKind.ImageOnly => "image only",
            FusionKind.RecordOnly => "record only (MLP)",
            FusionKind.RecordBoosted => "record only (LightGBM)",
            FusionKind.Late => "late fusion",
            _ => "FiLM fusion",
        };

    private static string Advise(IReadOnlyList<CandidateScore> scores, FusionKind chosen)
    {
        CandidateScore best = scores.First(s => s.Model == chosen);
        var image = scores.Where(s => s.Model == FusionKind.ImageOnly).Select(s => s.ValAccuracy).ToArray();
        var record = scores
            .Where(s => s.Model is FusionKind.RecordOnly or FusionKind.RecordBoosted)
            .Select(s => s.ValAccuracy)
            .ToArray();
        string single =
            (image.Length > 0 ? $"image only {image.Max():F3}" : "")
            + (image.Length > 0 && record.Length > 0 ? ", " : "")
            + (record.Length > 0 ? $"record only {record.Max():F3}" : "");
        string use =
            chosen is FusionKind.Late or FusionKind.Film ? "both modalities carry signal: use the fused model"
            : chosen == FusionKind.ImageOnly ? "the record adds nothing the validation set can see: the image alone"
            : "the image adds nothing the validation set can see: the record alone";
        return $"{Name(chosen)} is best on validation ({best.ValAccuracy:F3}; {single}): {use}.";
    }

    private static (float[] mean, float[] scale) Standardization(float[][] rows, int width)
    {
        var mean = new float[width];
        var scale = new float[width];
        for (int j = 0; j < width; j++)
        {
            double m = rows.Average(r => r[j]);
            mean[j] = (float)m;
            scale[j] = (float)Math.Sqrt(rows.Sum(r => (r[j] - m) * (r[j] - m)) / Math.Max(1, rows.Length - 1));
        }
        // As the feature-extraction head: a floor at a tenth of the mean deviation keeps dead units from exploding.
        float floor = Math.Max(1e-6f, 0.1f * scale.Average());
        for (int j = 0; j < width; j++)
            scale[j] = 1 / Math.Max(scale[j], floor);
        return (mean, scale);
    }

    private static Dictionary<string, int> Count(
        FusionRows train,
        FusionRows validation,
        FusionRows? test,
        Func<(bool HasImage, bool HasRecord), bool> missing
    )
    {
        int Of(FusionRows rows) =>
            Enumerable.Range(0, rows.Count).Count(i => missing((rows.HasImage(i), rows.HasRecord(i))));
        var counts = new Dictionary<string, int> { ["train"] = Of(train), ["val"] = Of(validation) };
        if (test is not null)
            counts["test"] = Of(test);
        return counts;
    }
}
