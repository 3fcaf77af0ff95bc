using System.Collections.Concurrent;
using TransferSharp.Engine;
using static TorchSharp.torch;

namespace TransferSharp.Backbones;

/// <summary>
/// Backbones from users' ONNX files (<c>--backbone model.onnx</c>): the classifier cut off, layer groups from the
/// downsampling stages, preprocessing from the sidecar (<see cref="BackboneSidecar"/>) and the user's flags.
/// </summary>
public static class ExternalBackbones
{
    /// <summary>The <see cref="WeightsSource.PackageId"/> of a backbone read from a file.</summary>
    public const string FileSource = "file";

    private static readonly double[] imageNetMean = { 0.485, 0.456, 0.406 };
    private static readonly double[] imageNetStd = { 0.229, 0.224, 0.225 };
    private static readonly ConcurrentDictionary<string, PretrainedConfig> described = new();

    /// <summary>Whether <paramref name="name"/> names a file rather than a registered backbone.</summary>
    public static bool IsFile(string name) =>
        name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)
        || name.Contains(System.IO.Path.DirectorySeparatorChar)
        || File.Exists(name);

    /// <summary>
    /// The config of the backbone in <paramref name="path"/>: imported once (and remembered while the file is
    /// unchanged) to find its layer groups, its first convolution and the width of its features.
    /// </summary>
    public static PretrainedConfig Describe(string path, BackbonePreprocessing? preprocessing = null)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new OnnxImportException($"{path}: backbone file not found.");
        var info = new FileInfo(full);
        // Remembered while neither the file nor a sidecar changes.
        string sidecars = string.Join(
            "|",
            BackboneSidecar
                .Candidates(full)
                .Select(c => new FileInfo(c))
                .Select(f => f.Exists ? $"{f.Length}:{f.LastWriteTimeUtc.Ticks}" : "-")
        );
        string key = $"{full}|{info.Length}|{info.LastWriteTimeUtc.Ticks}|{sidecars}|{preprocessing}";
        return described.GetOrAdd(key, _ => Build(full, preprocessing ?? new BackbonePreprocessing()));
    }

    /// <summary>The import options of a file backbone.</summary>
    public static OnnxImportOptions ImportOptions(OnnxImportOptions? options, BackbonePreprocessing? preprocessing) =>
        (options ?? new OnnxImportOptions()) with
        {
            CutClassifier = true,
            FeatureNode = preprocessing?.FeatureNode,
        };

    private static PretrainedConfig Build(string path, BackbonePreprocessing flags)
    {
        BackboneSidecar sidecar = BackboneSidecar.For(path);
        TorchRuntime.EnsureLoaded();
        var model = OnnxImporter.ReadModel(path);
        using OnnxGraphModule network = OnnxImporter.Import(model, path, ImportOptions(null, flags));
        long channels = network.InputChannels;
        if (sidecar.InputSize is { } declared && declared[0] != channels)
            throw new OnnxImportException(
                $"{sidecar.Path}: input_size has {declared[0]} channels, but the network in {path} takes {channels}."
            );
        var dims = model.Graph.Input.First(i => i.Name == network.InputName).Type?.TensorType?.Shape?.Dim;
        int size =
            sidecar.InputSize?[1] ?? (dims is { Count: 4 } && dims[2].DimValue > 0 ? (int)dims[2].DimValue : 224);
        var warnings = new List<string>();
        ChannelOrder order = flags.ChannelOrder ?? sidecar.ChannelOrder ?? ChannelOrder.Rgb;
        double range = flags.InputRange ?? sidecar.InputRange ?? 1;
        IReadOnlyList<double> mean = flags.Mean ?? sidecar.Mean ?? imageNetMean;
        IReadOnlyList<double> std = flags.Std ?? sidecar.Std ?? imageNetStd;
        if (BackbonePreprocessing.Problem(sidecar.Mean, sidecar.Std, null, channels, key => key) is { } inSidecar)
            throw new OnnxImportException($"{sidecar.Path}: {inSidecar} (the network in {path} takes {channels}).");
        string Flag(string key) => "--" + key.Replace('_', '-');
        if (BackbonePreprocessing.Problem(flags.Mean, flags.Std, flags.InputRange, channels, Flag) is { } inFlags)
            throw new OnnxImportException($"{path}: {inFlags}.");
        if (sidecar.Path is null && flags.IsEmpty)
            warnings.Add(
                $"{path} has no preprocessing sidecar ({System.IO.Path.GetFileNameWithoutExtension(path)}.json or "
                    + "config.json with pretrained_cfg) and no --mean/--std were given: assuming ImageNet mean and "
                    + "std, RGB, 0..1."
            );
        int width = FeatureWidth(network, size);
        return new PretrainedConfig
        {
            Name = path,
            Description =
                $"{System.IO.Path.GetFileName(path)}: imported ONNX, {network.Groups.Count} layer groups, "
                + $"{width}-d features"
                + (network.OutputName == model.Graph.Output[0].Name ? "" : $" (cut at '{network.OutputName}')"),
            Architecture = string.IsNullOrWhiteSpace(model.Graph.Name) ? "onnx" : model.Graph.Name,
            PretrainedOn = "unknown (a user's file)",
            Weights = new WeightsSource(FileSource, "", path, "the file's own"),
            InputSize = size,
            ChannelOrder = order,
            InputRange = range,
            Mean = mean.Select(m => m * range).ToList(),
            Std = std.ToList(),
            FirstConvolution = network.FirstConvolution()?.node.Name ?? "",
            Classifier = network.OutputName == model.Graph.Output[0].Name ? "none" : "cut",
            LayerGroups = network.Groups.Select(g => g.Name).ToList(),
            FeatureWidth = width,
            Sidecar = sidecar.Path,
            Interpolation = sidecar.Interpolation,
            CropPct = sidecar.CropPct,
            Warnings = warnings,
        };
    }

    private static int FeatureWidth(OnnxGraphModule network, int size)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor output = network.forward(zeros(1, network.InputChannels, size, size));
        return (int)output.numel();
    }
}
