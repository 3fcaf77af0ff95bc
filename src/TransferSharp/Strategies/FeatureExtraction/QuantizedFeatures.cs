using System.Diagnostics;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Strategies.FeatureExtraction;

/// <summary>
/// Feature extraction's int8 frozen pass: ranges calibrated on training images, then kept only when a linear probe
/// on the int8 features scores within <see cref="Tolerance"/> of the same probe on fp32 features (out of fold over
/// held-out training images and the validation split, whose fp32 features the calibration pass and one more give).
/// </summary>
internal static class QuantizedFeatures
{
    /// <summary>How far below fp32 the check may score (0.3 points).</summary>
    public const double Tolerance = 0.003;

    /// <summary>The most training images the calibration pass runs: the first half sets the ranges, the second is
    /// held out for the check.</summary>
    public const int MaxCalibrationImages = 256;

    // The check's probe: one fixed weight decay for both precisions (the middle of the head's search).
    private const double CheckWeightDecay = 1e-2;

    // The last calibration, by what decides it (layers, weights, size, normalisation, the images): a preset's frozen
    // candidates and its final fit calibrate the same layers on the same images, once.
    private static (string Key, FrozenQuantization Quantization, int[] HeldOut)? lastCalibration;
    private static readonly Lock calibrationLock = new();

    /// <summary>The int8 features of the labelled and test images when the check keeps them; otherwise null and the
    /// reason in the report.</summary>
    public static (FeatureSet Labelled, FeatureSet? Test, FrozenQuantization Quantization)? Extract(
        StrategyRun run,
        FeatureCache fp32Cache,
        ExtractionOptions extraction,
        string? cacheDirectory,
        long? cacheLimit,
        out FrozenPrecisionReport report
    )
    {
        Backbone backbone = run.Backbone;
        report = new FrozenPrecisionReport { Requested = "int8", Used = "fp32" };
        string? refusal =
            !backbone.RunsOnOnnxRuntime(run.Device)
                ? "int8 runs the backbone as shipped on ONNX Runtime (CPU); this one was modified or runs elsewhere"
            : run.Model.TestTimeAugmentation ? "test-time augmentation reads mirrored features, kept in fp32"
            : run.DataOptions.FeaturesFrom is not null ? "the features come from shards (--features-from), in fp32"
            : run.TrainRows.Length == 0 ? "no training images to calibrate on"
            : null;
        if (refusal is not null)
        {
            report = report with { Reason = refusal };
            run.Progress.Info($"frozen pass: fp32 ({refusal})");
            return null;
        }
        var watch = Stopwatch.StartNew();
        var items = run.Data.Items;
        int[] calibrationRows = Spread(run.TrainRows, MaxCalibrationImages);
        var fp32Calibration = new List<float[]>();
        var kept = new List<int>();
        FrozenQuantization quantization;
        // The first half sets the ranges; the second is held out for the check with the validation split (images the
        // ranges were taken from are never clipped, which would favour int8).
        int observed = Math.Max(1, calibrationRows.Length / 2);
        string calibrationKey =
            $"{backbone.FeatureKeyAt(1)}|{observed}|"
            + string.Join(
                ",",
                calibrationRows.Select(r => FeatureCache.ContentKey(FeatureExtractor.ReadContent(items[r].Source)))
            );
        FrozenQuantization? reused = null;
        int[] heldOutRows = [];
        lock (calibrationLock)
            if (lastCalibration is { } last && last.Key == calibrationKey)
                (reused, heldOutRows) = (last.Quantization, last.HeldOut);
        var heldOut = new List<(int Row, float[] Fp32)>();
        try
        {
            if (reused is not null)
                quantization = reused;
            else
            {
                var ranges = OnnxRuntimePass.Calibrate(
                    backbone,
                    Normalized(run, calibrationRows.Select(r => items[r].Source).ToList(), kept),
                    fp32Calibration,
                    observed
                );
                quantization = new FrozenQuantization
                {
                    Ranges = ranges,
                    CalibrationImages = Math.Min(observed, kept.Count),
                    WeightLevels = OnnxQuantizer.MachineWeightLevels,
                };
            }
            backbone.QuantizedOnnxRuntime(quantization); // built here: a graph ONNX Runtime refuses falls back to fp32
        }
        catch (Exception e) when (e is NotSupportedException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            report = report with { Reason = $"the graph cannot be quantised: {e.Message}" };
            run.Progress.Info($"frozen pass: fp32 ({report.Reason})");
            return null;
        }
        if (reused is null)
        {
            for (int c = observed; c < kept.Count; c++)
                heldOut.Add((calibrationRows[kept[c]], fp32Calibration[c]));
            lock (calibrationLock)
                lastCalibration = (calibrationKey, quantization, heldOut.Select(h => h.Row).ToArray());
        }
        else
        {
            // The same held-out images, their fp32 features from the fp32 pass (the cache's, when an earlier fit left
            // them).
            int[] rows = heldOutRows;
            FeatureSet held = FrozenFeatures.Extract(
                run,
                rows.Select(r => items[r].Source).ToList(),
                fp32Cache,
                extraction,
                "held-out calibration images (fp32, for the int8 check)"
            );
            for (int k = 0; k < held.Kept.Length; k++)
                heldOut.Add((rows[held.Kept[k]], held.Rows[k]));
        }
        double calibrationSeconds = watch.Elapsed.TotalSeconds;
        run.Progress.Info(
            reused is null
                ? $"frozen pass: int8 calibrated on {quantization.CalibrationImages} training images "
                    + $"({calibrationSeconds:F1} s)"
                    + (quantization.WeightLevels < 127 ? "; weights on 7 bits (this CPU has no VNNI)" : "")
                : $"frozen pass: int8 ranges of this run's earlier calibration on {quantization.CalibrationImages} "
                    + "training images"
        );
        var int8Cache = new FeatureCache(
            cacheDirectory,
            backbone.QuantizedFeatureKey(quantization),
            backbone.FeatureWidth,
            cacheLimit
        );
        // The other grids' int8 features go to int8 caches of their own (a preset's grid candidate reads them).
        var int8Extraction = extraction with
        {
            Quantization = quantization,
            Companions = extraction
                .Companions.Select(c => new GridCompanion(
                    c.Grid,
                    new FeatureCache(
                        cacheDirectory,
                        backbone.QuantizedFeatureKeyAt(quantization, c.Grid),
                        c.Cache.Width,
                        cacheLimit
                    )
                ))
                .ToList(),
        };
        var labelledSources = items.Select(i => i.Source).ToList();
        FeatureSet labelled = FrozenFeatures.Extract(
            run,
            labelledSources,
            int8Cache,
            int8Extraction,
            "train+validation (int8)"
        );
        FeatureSet? test = run.Test is null
            ? null
            : FrozenFeatures.Extract(
                run,
                run.Test.Items.Select(i => i.Source).ToList(),
                int8Cache,
                int8Extraction,
                "test (int8)"
            );
        int8Cache.Flush();

        // The check: the calibration images (fp32 features from calibration) and the validation split (one fp32 pass).
        watch.Restart();
        FeatureSet validation = FrozenFeatures.Extract(
            run,
            run.ValidationRows.Select(r => items[r].Source).ToList(),
            fp32Cache,
            extraction,
            "validation (fp32, for the int8 check)"
        );
        fp32Cache.Flush();
        var int8Rows = labelled.Kept.Select((position, k) => (position, k)).ToDictionary(t => t.position, t => t.k);
        var fp32 = new List<float[]>();
        var int8 = new List<float[]>();
        var labels = new List<long>();
        void Add(int row, float[] fp32Row)
        {
            if (!int8Rows.TryGetValue(row, out int k))
                return;
            fp32.Add(fp32Row);
            int8.Add(labelled.Rows[k]);
            labels.Add(items[row].Label);
        }
        foreach (var (row, fp32Row) in heldOut)
            Add(row, fp32Row);
        for (int v = 0; v < validation.Kept.Length; v++)
            Add(run.ValidationRows[validation.Kept[v]], validation.Rows[v]);
        if (Correct(run, fp32, labels) is not { } rightFp32 || Correct(run, int8, labels) is not { } rightInt8)
        {
            report = report with { Reason = $"too few images to check int8 against fp32 ({labels.Count})" };
            run.Progress.Info($"frozen pass: fp32 ({report.Reason})");
            return null;
        }
        // The per-image paired difference (-1, 0, 1) and its standard error: a few hundred images cannot resolve 0.3
        // points, so int8 is refused when it scores more than the tolerance below fp32 beyond that noise.
        int n = labels.Count;
        double[] differences = Enumerable
            .Range(0, n)
            .Select(i => (rightInt8[i] ? 1.0 : 0) - (rightFp32[i] ? 1 : 0))
            .ToArray();
        double mean = differences.Average();
        double standardError = Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / Math.Max(1, n - 1) / n);
        double accuracyFp32 = rightFp32.Count(r => r) / (double)n,
            accuracyInt8 = rightInt8.Count(r => r) / (double)n;
        // TRANSFERSHARP_INT8_TOLERANCE: benches measure int8 features past the check (recorded as the tolerance).
        double tolerance = double.TryParse(
            Environment.GetEnvironmentVariable("TRANSFERSHARP_INT8_TOLERANCE"),
            System.Globalization.CultureInfo.InvariantCulture,
            out double set
        )
            ? set
            : Tolerance;
        bool keep = mean >= -tolerance - standardError;
        report = report with
        {
            Used = keep ? "int8" : "fp32",
            Reason = keep
                ? null
                : $"the check's probe scored {accuracyInt8:F4} on int8 features against {accuracyFp32:F4} on fp32, "
                    + $"more than {tolerance * 100:0.#} points below beyond its standard error ({standardError:F4})",
            CalibrationImages = quantization.CalibrationImages,
            WeightLevels = quantization.WeightLevels,
            CheckImages = labels.Count,
            CheckAccuracyFp32 = Math.Round(accuracyFp32, 4),
            CheckAccuracyInt8 = Math.Round(accuracyInt8, 4),
            CheckStandardError = Math.Round(standardError, 4),
            Tolerance = tolerance,
            SecondsOverhead = Math.Round(calibrationSeconds + watch.Elapsed.TotalSeconds, 3),
        };
        run.Progress.Info(
            $"frozen pass: check on {labels.Count} images, probe accuracy int8 {accuracyInt8:F4} against fp32 "
                + $"{accuracyFp32:F4}: {(keep ? "int8 features used" : "fp32 used")}"
        );
        return keep ? (labelled, test, quantization) : null;
    }

    // Up to `count` rows spread evenly over `rows` (the split is shuffled already, so this samples every class).
    private static int[] Spread(int[] rows, int count) =>
        rows.Length <= count
            ? rows
            : Enumerable.Range(0, count).Select(i => rows[(int)((long)i * rows.Length / count)]).ToArray();

    // Normalised CPU batches of the sources (bad images skipped; the extraction that follows reports them); the
    // positions of the decoded ones go to `kept`, in order.
    private static IEnumerable<Tensor> Normalized(StrategyRun run, IReadOnlyList<IImageSource> sources, List<int> kept)
    {
        Backbone backbone = run.Backbone;
        var positions = Enumerable.Range(0, sources.Count).ToList();
        foreach (
            PixelBatch batch in ImageBatcher.Batches(
                sources,
                positions,
                backbone.InputSize,
                run.Training.BatchSize,
                true,
                []
            )
        )
        {
            run.Cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            kept.AddRange(batch.Positions);
            using Tensor pixels = batch.ToTensor();
            yield return backbone.Normalize(pixels, CPU, false);
        }
    }

    // Whether each image's out-of-fold probe prediction is right (null: too few images of some class for folds).
    private static bool[]? Correct(StrategyRun run, List<float[]> rows, List<long> labels)
    {
        if (rows.Count == 0)
            return null;
        using var scope = NewDisposeScope();
        int classes = run.Data.ClassNames.Count;
        using Tensor x = tensor(rows.SelectMany(r => r).ToArray(), [rows.Count, rows[0].Length]);
        using Tensor y = tensor(labels.ToArray());
        int folds = Math.Min(5, labels.GroupBy(l => l).Min(g => g.Count()));
        if (folds < 2)
            return null;
        double[][] outOfFold = LinearProbe.OutOfFold(
            x,
            y,
            null,
            classes,
            CheckWeightDecay,
            new LinearProbeOptions { Seed = run.Seed },
            null,
            folds
        );
        return Enumerable
            .Range(0, labels.Count)
            .Select(i => ModelEvaluation.ArgMax(outOfFold[i]) == labels[i])
            .ToArray();
    }
}
