using TransferSharp.Backbones;
using TransferSharp.IO;
using TransferSharp.Training;

namespace TransferSharp.Runs;

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

    /// <summary>An ensemble's members with their weights, the top-level model among them (on its own, sharing this
    /// one's backbone and head); empty for a single model. Predictions, exports and the label-shift tools average the
    /// members' probabilities.</summary>
    public IReadOnlyList<EnsembleMember> Members => members;

    private List<EnsembleMember> members = [];

    /// <summary>The folder a member's run lives in, inside an ensemble's run folder.</summary>
    public static string MemberFolder(int index) => $"members/{index}";

    /// <summary>A model from its parts in memory (a fit's result); it owns <paramref name="backbone"/> and <paramref
    /// name="head"/>.</summary>
    internal static SavedModel FromParts(
        ModelManifest manifest,
        Backbone backbone,
        ClassifierHead head,
        Adapters.ChannelInput? channelInput
    ) => new(manifest, backbone, head) { ChannelInput = channelInput };

    /// <summary>An ensemble in memory: <paramref name="primary"/>'s backbone and head under <paramref name="manifest"/>
    /// (which names the members), and the other members' models; it owns them all.</summary>
    internal static SavedModel Ensemble(
        ModelManifest manifest,
        SavedModel primary,
        IReadOnlyList<(string name, SavedModel? model, double weight)> members
    )
    {
        var ensemble = new SavedModel(manifest, primary.Backbone, primary.Head) { ChannelInput = primary.ChannelInput };
        ensemble.members = members
            .Select(m => new EnsembleMember(m.name, m.model ?? ensemble.Alone(), m.weight))
            .ToList();
        return ensemble;
    }

    /// <summary>Writes the manifest and weights into <paramref name="directory"/>.</summary>
    public static void Save(string directory, ModelManifest manifest, ClassifierHead head, Backbone? fineTuned = null)
    {
        head.save(Path.Combine(directory, manifest.HeadFile));
        if (fineTuned is not null && manifest.BackboneFile is not null)
            fineTuned.Network.save(Path.Combine(directory, manifest.BackboneFile));
        Json.Write(Path.Combine(directory, ManifestFile), manifest);
    }

    /// <summary>Loads a run folder; errors name the folder and what is missing.</summary>
    public static SavedModel Load(string directory) => Load(directory, null);

    // Loads a run folder whose manifest the caller may have read already (an ensemble's member, checked against the
    // ensemble's checksums first).
    private static SavedModel Load(string directory, ModelManifest? read)
    {
        RunFolder.RefuseIncomplete(directory);
        if (!Directory.Exists(directory))
            throw new FileNotFoundException($"{directory}: run folder not found.");
        string manifestPath = Path.Combine(directory, ManifestFile);
        if (!File.Exists(manifestPath))
            throw new FileNotFoundException($"{directory}: not a run folder ({ManifestFile} is missing).");
        RunFolder.Verify(directory, ManifestFile);
        ModelManifest manifest = read ?? Json.Read<ModelManifest>(manifestPath);
        if (manifest.FormatVersion > ModelManifest.CurrentFormatVersion)
            throw new InvalidDataException(
                $"{manifestPath}: written by a newer TransferSharp (format version {manifest.FormatVersion}; this one "
                    + $"reads up to {ModelManifest.CurrentFormatVersion})."
            );
        foreach (string? file in new[] { manifest.HeadFile, manifest.BackboneFile })
            if (file is not null && !File.Exists(Path.Combine(directory, file)))
                throw new FileNotFoundException($"{directory}: {file} is missing (model.json names it).");
        RunFolder.Verify(directory, manifest.HeadFile, manifest.BackboneFile);
        var backbone = Backbone.Load(
            manifest.Backbone,
            manifest.InputSize,
            preprocessing: manifest.BackbonePreprocessing
        );
        if (backbone.WeightsHash != manifest.BackboneWeightsHash)
        {
            string where = backbone.Config.IsFile
                ? $"{manifest.Backbone} now has {backbone.WeightsHash}: the file changed after training"
                : $"this installation has {backbone.WeightsHash}";
            backbone.Dispose();
            throw new InvalidDataException(
                $"{manifestPath}: trained on backbone weights {manifest.BackboneWeightsHash}, but {where}."
            );
        }
        Adapters.ChannelInput? channelInput = null;
        if (manifest.Adapter is { } adapterName)
        {
            if (manifest.ChannelStatistics is null || manifest.InputChannels is null || manifest.TargetScale is null)
                throw new InvalidDataException($"{manifestPath}: adapter '{adapterName}' without channel statistics.");
            var kind = Adapters.InputAdapters.Parse(adapterName);
            Adapters.InputAdapters.Apply(backbone, kind, manifest.InputChannels.Value);
            channelInput = new Adapters.ChannelInput(kind, manifest.ChannelStatistics, manifest.TargetScale.Value);
        }
        if (manifest.BackboneFile is not null)
            LoadWeights(Path.Combine(directory, manifest.BackboneFile), path => backbone.Network.load(path));
        if (manifest.FeatureLayers is { } layers)
            backbone.UseFeatureLayers(layers, manifest.FeatureGrid ?? 1);
        var head = new ClassifierHead(manifest.FeatureWidth, manifest.ClassNames.Count);
        LoadWeights(Path.Combine(directory, manifest.HeadFile), path => head.load(path));
        backbone.Network.eval();
        head.eval();
        var model = new SavedModel(manifest, backbone, head) { ChannelInput = channelInput };
        if (manifest.Ensemble is { } entries)
        {
            try
            {
                model.members = LoadMembers(directory, manifestPath, model, entries);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        return model;
    }

    // The members of an ensemble run: each a run folder inside it (its files checked against the ensemble's
    // checksums), a single model, with the ensemble's classes and input; weights positive, summing to 1.
    private static List<EnsembleMember> LoadMembers(
        string directory,
        string manifestPath,
        SavedModel self,
        IReadOnlyList<EnsembleEntry> entries
    )
    {
        if (entries.Count == 0 || entries.Count(e => e.Folder == ".") != 1)
            throw new InvalidDataException($"{manifestPath}: an ensemble must name this folder (\".\") once.");
        if (entries.Any(e => !(e.Weight > 0)) || Math.Abs(entries.Sum(e => e.Weight) - 1) > 1e-6)
            throw new InvalidDataException($"{manifestPath}: the ensemble's weights must be positive and sum to 1.");
        var members = new List<EnsembleMember>();
        try
        {
            foreach (EnsembleEntry entry in entries)
            {
                if (entry.Folder == ".")
                {
                    members.Add(new EnsembleMember(entry.Name, self.Alone(), entry.Weight));
                    continue;
                }
                string folder = Path.GetFullPath(Path.Combine(directory, entry.Folder));
                if (
                    !folder.StartsWith(
                        Path.GetFullPath(directory) + Path.DirectorySeparatorChar,
                        StringComparison.Ordinal
                    )
                )
                    throw new InvalidDataException($"{manifestPath}: member folder {entry.Folder} is outside the run.");
                // The member's manifest and the weights it names, against the ensemble's checksums (other files in
                // its folder, a report written later, are not the model).
                string relative = Path.GetRelativePath(directory, folder).Replace('\\', '/');
                string memberManifest = Path.Combine(folder, ManifestFile);
                ModelManifest? named = null;
                if (File.Exists(memberManifest))
                {
                    RunFolder.Verify(directory, $"{relative}/{ManifestFile}");
                    named = Json.Read<ModelManifest>(memberManifest);
                    RunFolder.Verify(
                        directory,
                        $"{relative}/{named.HeadFile}",
                        named.BackboneFile is null ? null : $"{relative}/{named.BackboneFile}"
                    );
                }
                SavedModel member = Load(folder, named);
                members.Add(new EnsembleMember(entry.Name, member, entry.Weight));
                string? mismatch =
                    member.Members.Count > 0 ? "is an ensemble itself"
                    : !member.Manifest.ClassNames.SequenceEqual(self.Manifest.ClassNames) ? "has other classes"
                    : member.Manifest.InputSize != self.Manifest.InputSize ? "reads another input size"
                    : member.Manifest.InputChannels != self.Manifest.InputChannels ? "reads other channels"
                    : null;
                if (mismatch is not null)
                    throw new InvalidDataException($"{manifestPath}: member {entry.Folder} {mismatch}.");
            }
        }
        catch
        {
            foreach (EnsembleMember m in members.Where(m => m.Model.Backbone != self.Backbone))
                m.Model.Dispose();
            throw;
        }
        return members;
    }

    // The top-level model of an ensemble on its own: the same backbone and head (owned by the ensemble), no members.
    private SavedModel Alone() =>
        new(Manifest with { FormatVersion = ModelManifest.SingleFormatVersion, Ensemble = null }, Backbone, Head)
        {
            ChannelInput = ChannelInput,
        };

    /// <summary>Runs <paramref name="load"/> on a weights file; one from before checksums, truncated or from another
    /// model fails inside TorchSharp's reader, and becomes an error naming the file.</summary>
    internal static void LoadWeights(string path, Action<string> load)
    {
        try
        {
            load(path);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or IOException or FormatException)
        {
            throw new InvalidDataException(
                $"{path}: the weights cannot be read ({e.Message}); the file is truncated, damaged or from another "
                    + "model.",
                e
            );
        }
    }

    /// <summary>Releases the networks (an ensemble's members' too).</summary>
    public void Dispose()
    {
        Backbone.Dispose();
        Head.Dispose();
        foreach (EnsembleMember member in members.Where(m => m.Model.Backbone != Backbone))
            member.Model.Dispose();
    }
}
