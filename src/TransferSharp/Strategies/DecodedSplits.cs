using TransferSharp.Adapters;
using TransferSharp.Data;
using TransferSharp.Progress;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Strategies;

/// <summary>A run's training, validation and test images, decoded and resized once (8-bit, or raw channels).</summary>
public sealed class DecodedSplits : IDisposable
{
    private DecodedSplits(ImageStore train, ImageStore validation, ImageStore? test)
    {
        Train = train;
        Validation = validation;
        Test = test;
    }

    /// <summary>The training split.</summary>
    public ImageStore Train { get; }

    /// <summary>The validation split.</summary>
    public ImageStore Validation { get; }

    /// <summary>The test images, when there are any.</summary>
    public ImageStore? Test { get; }

    /// <summary>Images skipped as undecodable, across the splits.</summary>
    public IReadOnlyList<BadImage> Skipped =>
        Train.Bad.Concat(Validation.Bad).Concat(Test?.Bad ?? Array.Empty<BadImage>()).ToList();

    /// <summary>Decodes the run's splits; every class must keep a training and a validation image.</summary>
    public static DecodedSplits Load(StrategyRun run)
    {
        int size = run.Backbone.InputSize;
        bool skipBad = run.DataOptions.SkipBad;
        ImageStore Load(ImageDataset data, IReadOnlyList<int> rows, string label) =>
            ImageStore.Load(data, rows, size, skipBad, run.Progress, label, run.UsesChannelPipeline);
        var stores = new List<ImageStore>();
        try
        {
            stores.Add(Load(run.Data, run.TrainRows, "train"));
            stores.Add(Load(run.Data, run.ValidationRows, "validation"));
            if (run.Test is { } test)
                stores.Add(Load(test, Enumerable.Range(0, test.Count).ToList(), "test"));
            var splits = new DecodedSplits(stores[0], stores[1], stores.Count > 2 ? stores[2] : null);
            splits.CheckEveryClassPresent(run.Data.ClassNames);
            return splits;
        }
        catch
        {
            foreach (var store in stores)
                store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The channel pipeline: per-channel statistics of the training split, the adapter applied to the network, every
    /// split told how to prepare its batches; what was done goes into the record.
    /// </summary>
    public TrainingReport ApplyChannelPipeline(StrategyRun run, bool frozenBackbone, TrainingReport report)
    {
        int count = (int)Train.Pixels.shape[1];
        AdapterKind kind = run.Model.Adapter;
        if (kind == AdapterKind.Replicate && count > 3)
            report = report with
            {
                AdapterWarning =
                    $"replicate keeps the first 3 of {count} channels; weight-sum or conv1x1 use all of them",
            };
        int[] constant = ChannelInput.ConstantChannels(Train.Pixels);
        if (constant.Length == count)
            throw new DataException(
                $"{run.DataOptions.Train}: every channel holds one value over all {Train.Count} training images "
                    + "(all-zero arrays?): there is nothing to learn from.",
                run.DataOptions.Train ?? ""
            );
        if (constant.Length > 0)
        {
            string warning =
                $"channel(s) {string.Join(", ", constant)} of {count} hold one value over all training images: "
                + "they carry no information";
            run.Progress.Info($"warning: {warning}");
            report = report with { AdapterWarning = report.AdapterWarning is { } w ? $"{w}; {warning}" : warning };
        }
        var input = new ChannelInput(
            kind,
            ChannelInput.Measure(Train.Pixels),
            ChannelInput.TargetScaleFor(run.Backbone)
        );
        foreach (var store in new[] { Train, Validation, Test })
            if (store is not null)
                store.ChannelInput = input;
        InputAdapters.Apply(run.Backbone, kind, count);
        string path =
            kind == AdapterKind.Conv1x1 && frozenBackbone
                ? "no feature caching: the conv1x1 adapter trains in front of the frozen backbone, so every step "
                    + "runs the "
                    + "backbone forward and backward (for the adapter's gradient) without weight gradients"
            : frozenBackbone ? "frozen features computed once (in memory), logistic-regression head fitted on them"
            : "trained end to end";
        return report with
        {
            Adapter = new AdapterSummary(
                InputAdapters.NameOf(kind),
                count,
                run.Backbone.Network.InputChannels,
                input.Statistics.Mean,
                input.Statistics.Std,
                input.TargetScale,
                path
            ),
        };
    }

    /// <summary>Releases the images.</summary>
    public void Dispose()
    {
        Train.Dispose();
        Validation.Dispose();
        Test?.Dispose();
    }

    private void CheckEveryClassPresent(IReadOnlyList<string> classNames)
    {
        long[] trainCounts = bincount(Train.Labels, minlength: classNames.Count).data<long>().ToArray();
        long[] valCounts = bincount(Validation.Labels, minlength: classNames.Count).data<long>().ToArray();
        for (int c = 0; c < classNames.Count; c++)
            if (trainCounts[c] == 0 || valCounts[c] == 0)
                throw new DataException(
                    $"class '{classNames[c]}' has {trainCounts[c]} training and {valCounts[c]} "
                        + "validation images after the split; each needs at least one."
                );
    }
}
