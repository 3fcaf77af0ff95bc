using TransferSharp.Backbones;
using TransferSharp.Training;

namespace TransferSharp.Runs;

/// <summary>model.json: what is needed to rebuild a trained model from a run folder.</summary>
public sealed record ModelManifest
{
    /// <summary>Format version of this manifest.</summary>
    public int FormatVersion { get; init; } = 1;
    /// <summary>The strategy that trained it.</summary>
    public required string Strategy { get; init; }
    /// <summary>The registered backbone name.</summary>
    public required string Backbone { get; init; }
    /// <summary>SHA-256 prefix of the backbone's weights file at training time.</summary>
    public required string BackboneWeightsHash { get; init; }
    /// <summary>Input size (square).</summary>
    public required int InputSize { get; init; }
    /// <summary>Normalisation applied to inputs (description).</summary>
    public required string Normalization { get; init; }
    /// <summary>Class names, by class index.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }
    /// <summary>Feature width the head reads.</summary>
    public required int FeatureWidth { get; init; }
    /// <summary>The head's weights file (TorchSharp format), relative to the run folder.</summary>
    public required string HeadFile { get; init; }
    /// <summary>Whether predictions average each image with its mirror image.</summary>
    public bool TestTimeAugmentation { get; init; }
    /// <summary>The fine-tuned backbone's weights file, or null when the backbone is the unchanged pretrained one.</summary>
    public string? BackboneFile { get; init; }
    /// <summary>The input adapter of a channel-pipeline model (replicate, weight-sum, conv1x1); null for 8-bit image models.</summary>
    public string? Adapter { get; init; }
    /// <summary>Per-channel statistics of the training split (channel pipeline).</summary>
    public Adapters.ChannelStatistics? ChannelStatistics { get; init; }
    /// <summary>The standardised channels' scale (channel pipeline).</summary>
    public double? TargetScale { get; init; }
    /// <summary>Channels of the training data (channel pipeline).</summary>
    public int? InputChannels { get; init; }
    /// <summary>.npy arrays were [H, W, C].</summary>
    public bool ChannelsLast { get; init; }
    /// <summary>The layer groups whose pooled outputs are the features; null = the last group.</summary>
    public IReadOnlyList<string>? FeatureLayers { get; init; }
    /// <summary>Grid pooling of the intermediate feature groups (cells a side); null = 1, global pooling.</summary>
    public int? FeatureGrid { get; init; }
}

/// <summary>A trained model loaded from a run folder: the backbone (pretrained or fine-tuned) and the head.</summary>
public sealed class SavedModel : IDisposable
{
    /// <summary>The manifest file name.</summary>
    public const string ManifestFile = "model.json";

    private SavedModel(ModelManifest manifest, Backbone backbone, ClassifierHead head)
    {
        Manifest = manifest;
        Backbone = backbone;
        Head = head;
    }

    /// <summary>The manifest.</summary>
    public ModelManifest Manifest { get; }
    /// <summary>The backbone.</summary>
    public Backbone Backbone { get; }
    /// <summary>The head.</summary>
    public ClassifierHead Head { get; }
    /// <summary>The channel pipeline's input step, for channel-pipeline models; null for 8-bit image models.</summary>
    public Adapters.ChannelInput? ChannelInput { get; private init; }

    /// <summary>Writes the manifest and weights into <paramref name="directory"/>.</summary>
    public static void Save(string directory, ModelManifest manifest, ClassifierHead head, Backbone? fineTuned = null)
    {
        head.save(Path.Combine(directory, manifest.HeadFile));
        if (fineTuned is not null && manifest.BackboneFile is not null)
            fineTuned.Network.save(Path.Combine(directory, manifest.BackboneFile));
        Json.Write(Path.Combine(directory, ManifestFile), manifest);
    }

    /// <summary>Loads a run folder; errors name the folder and what is missing.</summary>
    public static SavedModel Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new FileNotFoundException($"{directory}: run folder not found.");
        string manifestPath = Path.Combine(directory, ManifestFile);
        if (!File.Exists(manifestPath)) throw new FileNotFoundException($"{directory}: not a run folder ({ManifestFile} is missing).");
        ModelManifest manifest = Json.Read<ModelManifest>(manifestPath);
        var backbone = Backbone.Load(manifest.Backbone, manifest.InputSize);
        if (backbone.WeightsHash != manifest.BackboneWeightsHash)
            throw new InvalidDataException($"{manifestPath}: trained on backbone weights {manifest.BackboneWeightsHash}, but this installation has {backbone.WeightsHash}.");
        Adapters.ChannelInput? channelInput = null;
        if (manifest.Adapter is { } adapterName)
        {
            if (manifest.ChannelStatistics is null || manifest.InputChannels is null || manifest.TargetScale is null)
                throw new InvalidDataException($"{manifestPath}: adapter '{adapterName}' without channel statistics.");
            var kind = Adapters.InputAdapters.Parse(adapterName);
            Adapters.InputAdapters.Apply(backbone, kind, manifest.InputChannels.Value);
            channelInput = new Adapters.ChannelInput(kind, manifest.ChannelStatistics, manifest.TargetScale.Value);
        }
        if (manifest.BackboneFile is not null) backbone.Network.load(Path.Combine(directory, manifest.BackboneFile));
        if (manifest.FeatureLayers is { } layers) backbone.UseFeatureLayers(layers, manifest.FeatureGrid ?? 1);
        var head = new ClassifierHead(manifest.FeatureWidth, manifest.ClassNames.Count);
        head.load(Path.Combine(directory, manifest.HeadFile));
        backbone.Network.eval();
        head.eval();
        return new SavedModel(manifest, backbone, head) { ChannelInput = channelInput };
    }

    /// <summary>Releases the networks.</summary>
    public void Dispose()
    {
        Backbone.Dispose();
        Head.Dispose();
    }
}
