using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Progress;
using TransferSharp.Runs;
using TransferSharp.Strategies;
using TransferSharp.Training;

namespace TransferSharp.Multimodal;

/// <summary>
/// The image branch tuned before fusion: a full `fit` (any strategy, with its layer groups, rates and unfreezing) on
/// the training split's images and labels alone, saved as a run in the multimodal run's <c>image/</c> folder; the
/// fusion candidates then read that network's pooled features. The validation split is never shown to it, so the
/// choice between candidates stays honest.
/// </summary>
public static class TunedImageBranch
{
    /// <summary>The image run's folder inside a multimodal run.</summary>
    public const string Folder = "image";

    /// <summary>Fits the options' image strategy on the images of <paramref name="rows"/> and saves the run into
    /// <paramref name="output"/>.</summary>
    public static void Fit(
        RecordTable table,
        IReadOnlyList<IImageSource?> sources,
        int[] labels,
        IReadOnlyList<string> classNames,
        int[] rows,
        MultimodalOptions options,
        string output,
        IProgress<ProgressUpdate>? progress,
        CancellationToken cancellation
    )
    {
        string csv = Path.Combine(output + ".images.csv");
        var lines = new List<string> { "path,label" };
        foreach (int r in rows.Where(r => sources[r] is not null))
            lines.Add(
                $"{DatasetLoader.QuoteCsv(Path.GetFullPath(sources[r]!.Id))},"
                    + DatasetLoader.QuoteCsv(classNames[labels[r]])
            );
        File.WriteAllLines(csv, lines);
        try
        {
            var learner = new TransferLearner(
                new LearnerOptions
                {
                    Data = new DataOptions
                    {
                        Train = csv,
                        CacheDirectory = options.CacheDirectory,
                        UseCache = options.CacheDirectory is not null,
                        SkipBad = true,
                    },
                    Model = new ModelOptions { Backbone = options.Backbone, Size = options.Size },
                    Strategy = StrategyRegistry.Parse(options.ImageStrategy!),
                    Training = new TrainingOptions { Epochs = options.ImageEpochs },
                    Seed = options.Seed,
                }
            );
            progress.Info($"image branch: fitting {options.ImageStrategy} on {lines.Count - 1} training images");
            using FitResult result = learner.Fit(progress, cancellation);
            result.Save(output);
            progress.Info(
                $"image branch: {options.ImageStrategy}, validation accuracy {result.Report.ValAccuracy:F4} (on its "
                    + "own hold-out of the training split)"
            );
        }
        finally
        {
            File.Delete(csv);
        }
    }

    /// <summary>The backbone whose features a multimodal run reads: the tuned one of the image run in <paramref
    /// name="imageRun"/>, else the pretrained <paramref name="backbone"/>, with the weights of <paramref
    /// name="jointWeights"/> (joint tuning) over it when given; the owner to dispose, and whether its features may use
    /// the on-disk cache (a tuned network's may not: the cache keys name the pretrained weights).</summary>
    public static (Backbone backbone, IDisposable owner, bool cacheable) Open(
        string? imageRun,
        string backbone,
        int? size,
        IReadOnlyList<string>? layers,
        string? jointWeights = null
    )
    {
        Backbone network;
        IDisposable owner;
        if (imageRun is not null)
        {
            var saved = SavedModel.Load(imageRun);
            if (saved.Members.Count > 0)
            {
                saved.Dispose();
                throw new Data.DataException(
                    $"{imageRun}: an ensemble run has several backbones; give one of its members "
                        + $"({imageRun}/members/N) as the image branch.",
                    imageRun
                );
            }
            (network, owner) = (saved.Backbone, saved);
        }
        else
        {
            var pretrained = Backbone.Load(backbone, size);
            if (layers is not null)
                pretrained.UseFeatureLayers(layers);
            (network, owner) = (pretrained, pretrained);
        }
        if (jointWeights is null)
            return (network, owner, imageRun is null);
        try
        {
            if (!File.Exists(jointWeights))
                throw new FileNotFoundException(
                    $"{jointWeights}: the jointly tuned backbone's weights are missing (multimodal.json names them)."
                );
            SavedModel.LoadWeights(jointWeights, path => network.Network.load(path));
            network.Network.eval();
        }
        catch
        {
            owner.Dispose();
            throw;
        }
        return (network, owner, false);
    }

    /// <summary>The backbone of a saved multimodal run (see the other overload).</summary>
    public static (Backbone backbone, IDisposable owner, bool cacheable) Open(MultimodalManifest m, string runFolder) =>
        Open(
            m.ImageRun is null ? null : Path.Combine(runFolder, m.ImageRun),
            m.Backbone,
            m.InputSize,
            m.FeatureLayers,
            m.BackboneFile is null ? null : Path.Combine(runFolder, m.BackboneFile)
        );
}
