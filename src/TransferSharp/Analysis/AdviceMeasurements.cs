using TransferSharp.Progress;

namespace TransferSharp.Analysis;

/// <summary>Measures what the advisor needs on a dataset.</summary>
public static class AdviceMeasurements
{
    /// <summary>N, class sizes, channels, d, the frequency verdict and P of each strategy, for <paramref name="data"/>
    /// on <paramref name="backbone"/>.</summary>
    public static (AdviceInputs inputs, DomainDistanceResult? distance, FrequencyReport? frequency) Measure(
        Backbones.Backbone backbone,
        Data.ImageDataset data,
        IProgress<Progress.ProgressUpdate>? progress,
        int sample = 128,
        int transferabilityPerClass = 50,
        int? imageSide = null
    )
    {
        int[] perClass = data.CountsPerClass();
        var sources = data.Items.Select(i => i.Source).ToList();
        int channels = sources.Count == 0 ? 3 : Adapters.ChannelInput.Read(sources[0]).Channels;
        bool eightBit = sources.All(s => s is not Data.IChannelSource);
        string? noDistance = DomainDistance.Unavailable(backbone);
        if (eightBit && noDistance is not null)
            progress.Info(noDistance);
        DomainDistanceResult? distance =
            eightBit && noDistance is null
                ? DomainDistance.Measure(backbone, sources, progress, maxImages: sample)
                : null;
        FrequencyReport? frequency = eightBit
            ? FrequencyAnalysis.Analyse(backbone, sources, progress, maxImages: sample)
            : null;
        long head = (long)backbone.FeatureWidth * data.ClassNames.Count + data.ClassNames.Count;
        long all = backbone.Network.parameters().Sum(p => p.numel()) + head;
        long batchNorm = backbone.Network.BatchNorms().Sum(b => b.layer.parameters().Sum(p => p.numel())) + head;
        var counts = new Strategies.ParameterCounts(all - head, batchNorm - head, head);
        var parameters = Strategies.StrategyRegistry.All.ToDictionary(d => d.Name, d => d.TrainableParameters(counts));
        IReadOnlyList<GroupTransferability>? transferability =
            eightBit && perClass.Length > 1 && data.Count >= 2
                ? Transferability.PerGroup(backbone, data, progress, transferabilityPerClass)
                : null;
        // One sample of grey class images serves both checks of the training augmentation (flips, shifts).
        const int side = 32;
        IReadOnlyList<ClassImages>? grey =
            eightBit && data.Count > 0 ? Orientation.GreyImages(data, side: side, progress: progress) : null;
        IReadOnlyDictionary<string, double>? asymmetry = grey is null ? null : Orientation.PerClass(grey, side);
        double share = grey is null ? double.NaN : Alignment.CentredShare(grey, side);
        double? centred = double.IsFinite(share) ? share : null;
        var inputs = new AdviceInputs(
            data.Count,
            data.ClassNames.Count,
            perClass.DefaultIfEmpty(0).Min(),
            channels,
            distance?.Overall,
            frequency?.TuneEarlyLayers ?? false,
            parameters,
            transferability,
            imageSide ?? ImageSide(data),
            backbone.Config.InputSize,
            asymmetry,
            centred
        );
        return (inputs, distance, frequency);
    }

    /// <summary>The median shorter side of up to <paramref name="sample"/> images spread over the dataset; null when
    /// empty.</summary>
    public static int? ImageSide(Data.ImageDataset data, int sample = 16)
    {
        if (data.Count == 0)
            return null;
        int step = Math.Max(1, data.Count / sample);
        var sides = new List<int>();
        for (int i = 0; i < data.Count && sides.Count < sample; i += step)
        {
            var image = Adapters.ChannelInput.Read(data.Items[i].Source);
            sides.Add(Math.Min(image.Height, image.Width));
        }
        sides.Sort();
        return sides[sides.Count / 2];
    }
}
