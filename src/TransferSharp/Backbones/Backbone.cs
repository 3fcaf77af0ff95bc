using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using TransferSharp.Engine;
using static TorchSharp.torch;

namespace TransferSharp.Backbones;

/// <summary>
/// A pretrained backbone ready to run: its config, the imported network (trainable TorchSharp module) and its input
/// normalisation at the chosen input size.
/// </summary>
public sealed class Backbone : IDisposable
{
    private readonly Tensor channelShift; // [1,C,1,1] or [1,C,S,S] (mean image)
    private readonly Tensor channelScale; // [1,C,1,1]: 1/std
    private string? weightsHash;
    private readonly string loadedFingerprint;
    private readonly Dictionary<string, OnnxRuntimePass> onnxPasses = [];
    private readonly Dictionary<string, OnnxRuntimePass> quantizedPasses = [];
    private (float[] Shift, float[] Scale)? normalizationValues;

    private Backbone(
        PretrainedConfig config,
        OnnxGraphModule network,
        string weightsPath,
        int inputSize,
        Tensor shift,
        Tensor scale,
        string normalization
    )
    {
        Config = config;
        Network = network;
        WeightsPath = weightsPath;
        InputSize = inputSize;
        channelShift = shift;
        channelScale = scale;
        Normalization = normalization;
        loadedFingerprint = OnnxRuntimePass.Fingerprint(network);
        FeatureLayers = new[] { network.Groups[^1].Name };
        FeatureWidth = config.FeatureWidth;
    }

    /// <summary>
    /// True while the network still holds exactly the weights, buffers and nodes it was imported with (no training, no
    /// adapter): only then can a frozen pass run on ONNX Runtime from the original file.
    /// </summary>
    public bool IsPristine => OnnxRuntimePass.Fingerprint(Network) == loadedFingerprint;

    /// <summary>
    /// Whether a frozen pass of this backbone on <paramref name="device"/> can run on ONNX Runtime: on the CPU, while
    /// <see cref="IsPristine"/> (any <see cref="FeatureLayers"/>: intermediate groups' maps are pooled as here).
    /// </summary>
    public bool RunsOnOnnxRuntime(Device device) => device.type == TorchSharp.DeviceType.CPU && IsPristine;

    /// <summary>The frozen backbone on ONNX Runtime to <see cref="FeatureLayers"/> (created on first use); callers
    /// check <see cref="RunsOnOnnxRuntime"/> first.</summary>
    public OnnxRuntimePass OnnxRuntime
    {
        get
        {
            string key = string.Join(",", FeatureLayers);
            if (!onnxPasses.TryGetValue(key, out OnnxRuntimePass? pass))
                onnxPasses[key] = pass = OnnxRuntimePass.Create(this);
            return pass;
        }
    }

    /// <summary>The int8 frozen pass with <paramref name="quantization"/>'s ranges (created on first use), to <see
    /// cref="FeatureLayers"/>; callers check <see cref="RunsOnOnnxRuntime"/> first.</summary>
    public OnnxRuntimePass QuantizedOnnxRuntime(FrozenQuantization quantization)
    {
        string key = string.Join(",", FeatureLayers) + "|" + quantization.Key();
        if (!quantizedPasses.TryGetValue(key, out OnnxRuntimePass? pass))
            quantizedPasses[key] = pass = OnnxRuntimePass.CreateQuantized(
                this,
                quantization.Ranges,
                quantization.WeightLevels
            );
        return pass;
    }

    /// <summary>The cache key of final features from the int8 pass with <paramref name="quantization"/>.</summary>
    public string QuantizedFeatureKey(FrozenQuantization quantization) =>
        QuantizedFeatureKeyAt(quantization, FeatureGrid);

    /// <summary>The cache key of these layers' int8 features pooled on a <paramref name="grid"/> x grid grid.</summary>
    internal string QuantizedFeatureKeyAt(FrozenQuantization quantization, int grid) =>
        $"{FeatureKeyAt(grid)}|int8-{quantization.Key()}";

    /// <summary>What the normalisation subtracts: [1, C, 1, 1] per-channel means or a [1, C, S, S] mean
    /// image.</summary>
    internal Tensor NormalizationShift => channelShift;

    /// <summary>What the normalisation multiplies by after subtracting: [1, C, 1, 1], 1 / std.</summary>
    internal Tensor NormalizationScale => channelScale;

    /// <summary>What the user set over an imported file's sidecar (null when nothing): saved runs reload with
    /// it.</summary>
    public BackbonePreprocessing? Preprocessing { get; private init; }

    /// <summary>The pretrained facts.</summary>
    public PretrainedConfig Config { get; }

    /// <summary>The network: from normalised [N,3,S,S] images to [N, FeatureWidth, 1, 1] pooled features.</summary>
    public OnnxGraphModule Network { get; }

    /// <summary>The ONNX file the weights came from.</summary>
    public string WeightsPath { get; }

    /// <summary>The input size (square) images are resized to.</summary>
    public int InputSize { get; }

    /// <summary>A short description of the normalisation applied, e.g. "bgr 0..255 minus mean image".</summary>
    public string Normalization { get; }

    /// <summary>The feature width: the last group's, or the sum over <see cref="FeatureLayers"/>.</summary>
    public int FeatureWidth { get; private set; }

    /// <summary>The layer groups whose globally average-pooled outputs, concatenated, are the features. Default: the
    /// last group.</summary>
    public IReadOnlyList<string> FeatureLayers { get; private set; } = Array.Empty<string>();

    /// <summary>The largest grid <see cref="UseFeatureLayers"/> accepts (cells a side).</summary>
    public const int MaxFeatureGrid = 8;

    /// <summary>Intermediate groups' outputs are average-pooled over a grid of this many cells a side (1 = globally).
    /// Default 1.</summary>
    public int FeatureGrid { get; private set; } = 1;

    /// <summary>True when the features are the network's own output (the last group's pooled output) alone.</summary>
    public bool FinalFeaturesOnly => FeatureLayers.Count == 1 && FeatureLayers[0] == Network.Groups[^1].Name;

    /// <summary>
    /// Takes features from the pooled outputs of <paramref name="layers"/> (layer-group names, concatenated in network
    /// order): intermediate layers transfer better when the target task is far from ImageNet's objects. With <paramref
    /// name="grid"/> g &gt; 1, intermediate groups are pooled over a g x g grid (channels x g x g features each; the
    /// last group keeps the network's own global pooling).
    /// </summary>
    public void UseFeatureLayers(IReadOnlyList<string> layers, int grid = 1)
    {
        var names = Network.Groups.Select(g => g.Name).ToList();
        var unknown = layers.Where(l => !names.Contains(l)).ToList();
        if (layers.Count == 0 || unknown.Count > 0)
            throw new ArgumentException(
                $"--features {string.Join(",", layers)}: "
                    + (
                        layers.Count == 0
                            ? "no layer group given"
                            : $"unknown layer group(s) {string.Join(", ", unknown)}"
                    )
                    + $"; the groups of {Config.Name} are {string.Join(", ", names)}."
            );
        if (grid < 1 || grid > MaxFeatureGrid)
            throw new ArgumentException($"--feature-grid {grid}: must be between 1 and {MaxFeatureGrid}.");
        var ordered = names.Where(layers.Contains).ToList();
        FeatureGrid = ordered.Any(l => l != names[^1]) ? grid : 1; // the last group keeps the network's own pooling
        if (ordered.Count == 1 && ordered[0] == names[^1])
        {
            FeatureLayers = ordered;
            FeatureWidth = Config.FeatureWidth;
            return;
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool wasTraining = Network.training;
        Network.eval();
        Tensor?[] outputs = Network.PooledGroupOutputs(
            zeros(1, Network.InputChannels, InputSize, InputSize),
            grid: grid
        );
        Network.train(wasTraining);
        int width = 0;
        foreach (string layer in ordered)
        {
            int g = names.IndexOf(layer);
            width += (int)(
                outputs[g]?.shape[1]
                ?? throw new ArgumentException(
                    $"--features {layer}: this group's output is not a single tensor; it cannot serve as features."
                )
            );
        }
        FeatureLayers = ordered;
        FeatureWidth = width;
    }

    /// <summary>SHA-256 of the weights file (hex, first 16 chars): part of every cache key.</summary>
    public string WeightsHash => WeightsSha256[..16];

    /// <summary>SHA-256 of the weights file (hex, lower case), read once.</summary>
    public string WeightsSha256
    {
        get
        {
            if (weightsHash is null)
            {
                using var stream = File.OpenRead(WeightsPath);
                weightsHash = Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
            }
            return weightsHash;
        }
    }

    /// <summary>Everything that decides what the backbone outputs for an image: for cache keys.</summary>
    public string FeatureKey => FeatureKeyAt(FeatureGrid);

    /// <summary>The cache key of these layers' features pooled on a <paramref name="grid"/> x grid grid.</summary>
    internal string FeatureKeyAt(int grid) =>
        $"{Config.Name}|{WeightsHash}|{InputSize}|{Normalization}"
        + (Config.IsFile ? $"|features={Network.OutputName}" : "") // a file's cut can be moved (--feature-node)
        + (FinalFeaturesOnly ? "" : $"|layers={string.Join(",", FeatureLayers)}")
        + (grid > 1 && !FinalFeaturesOnly ? $"|grid={grid}" : "");

    /// <summary>The width of these layers' features pooled on a <paramref name="grid"/> x grid grid.</summary>
    internal int FeatureWidthAt(int grid)
    {
        if (grid == FeatureGrid || FinalFeaturesOnly)
            return FeatureWidth;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool wasTraining = Network.training;
        Network.eval();
        try
        {
            // On the network's device: a frozen pass may have moved it to a GPU already.
            Device device = Network.parameters().FirstOrDefault()?.device ?? CPU;
            using var probe = zeros(new long[] { 1, Network.InputChannels, InputSize, InputSize }, device: device);
            return (int)FeaturesAtGrids(probe, new[] { grid })[0].shape[1];
        }
        finally
        {
            Network.train(wasTraining);
        }
    }

    /// <summary>These layers' features pooled at each of <paramref name="grids"/>, from one forward pass (the grid is
    /// the only difference: the same maps, pooled again).</summary>
    internal Tensor[] FeaturesAtGrids(Tensor normalized, IReadOnlyList<int> grids)
    {
        using var scope = NewDisposeScope();
        var names = Network.Groups.Select(g => g.Name).ToList();
        Tensor?[][] outputs = Network.PooledGroupOutputs(normalized, FeatureLayers.Max(l => names.IndexOf(l)), grids);
        return outputs
            .Select(o => cat(FeatureLayers.Select(l => o[names.IndexOf(l)]!).ToArray(), 1).MoveToOuterDisposeScope())
            .ToArray();
    }

    /// <summary>The cache key of features of mirrored images.</summary>
    public string MirroredFeatureKey => FeatureKey + "|mirrored";

    /// <summary>Loads a registered backbone, or an ONNX file's (its classifier cut off; preprocessing from its sidecar
    /// and <paramref name="preprocessing"/>), at <paramref name="inputSize"/> (default: its own).</summary>
    public static Backbone Load(
        string name,
        int? inputSize = null,
        OnnxImportOptions? options = null,
        BackbonePreprocessing? preprocessing = null
    )
    {
        PretrainedConfig config = Registry.Get(name, preprocessing);
        int size = inputSize ?? config.InputSize;
        if (size < 32)
            throw new ArgumentOutOfRangeException(
                nameof(inputSize),
                $"--size {size}: the input size must be at least 32."
            );
        TorchRuntime.EnsureLoaded();
        string weights = config.IsFile
            ? config.Weights.RelativePath
            : Registry.ResolveFile(config.Weights.RelativePath, config.Weights.PackageId);
        var importOptions = config.IsFile
            ? ExternalBackbones.ImportOptions(options, preprocessing)
            : (options ?? new OnnxImportOptions()) with
            {
                GroupNames = config.LayerGroups,
            };
        OnnxGraphModule network = OnnxImporter.Import(weights, importOptions);
        var (shift, scale, normalization) = BuildNormalization(config, size);
        var backbone = new Backbone(config, network, weights, size, shift, scale, normalization)
        {
            Preprocessing = preprocessing is { IsEmpty: true, FeatureNode: null } ? null : preprocessing,
        };
        // Import leaves the file's bytes, the parsed protobuf and staging arrays (several times the weights) as garbage
        // on the large-object heap; returning it now keeps it out of every later peak (about 100 MiB for ResNet18).
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return backbone;
    }

    private static (Tensor shift, Tensor scale, string description) BuildNormalization(
        PretrainedConfig config,
        int size
    )
    {
        string order = config.ChannelOrder == ChannelOrder.Bgr ? "bgr" : "rgb";
        Tensor scale = tensor(config.Std.Select(s => (float)(1.0 / s)).ToArray()).reshape(1, -1, 1, 1);
        string std = string.Join(",", config.Std);
        if (config.MeanImage is { } source)
        {
            string path = Registry.ResolveFile(source.RelativePath, config.Weights.PackageId);
            var model = OnnxImporter.ReadModel(path);
            var proto =
                model.Graph.Initializer.FirstOrDefault(i => i.Name == source.InitializerName)
                ?? throw new OnnxImportException($"{path}: no initializer named '{source.InitializerName}'.");
            float[] values =
                proto.RawData.Length > 0
                    ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(proto.RawData.Span).ToArray()
                    : proto.FloatData.ToArray();
            using Tensor image = tensor(values, proto.Dims.ToArray());
            if (image.shape[2] == size && image.shape[3] == size)
                return (
                    image.clone(),
                    scale,
                    $"{order} 0..{config.InputRange} minus mean image {size}x{size}, std {std}"
                );
            Tensor means = image.mean(new long[] { 2, 3 }, keepdim: true);
            string listed = string.Join(
                ",",
                means
                    .flatten()
                    .data<float>()
                    .ToArray()
                    .Select(v => v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture))
            );
            return (
                means,
                scale,
                $"{order} 0..{config.InputRange} minus per-channel means of the mean image [{listed}], std {std}"
            );
        }
        double[] mean = (config.Mean ?? new double[config.Std.Count]).ToArray();
        Tensor shift = tensor(mean.Select(m => (float)m).ToArray()).reshape(1, -1, 1, 1);
        return (shift, scale, $"{order} 0..{config.InputRange} minus [{string.Join(",", mean)}], std {std}");
    }

    /// <summary>
    /// From a uint8 batch [N, S, S, C] (C = 1 gray, or 3 in R,G,B order) to the normalised float input [N, 3, S, S] the
    /// network expects. Gray is replicated to three channels. <paramref name="mirror"/> flips the images horizontally
    /// (test-time augmentation).
    /// </summary>
    public Tensor Normalize(Tensor pixels, Device? device = null, bool mirror = false) =>
        (device ?? CPU).type == TorchSharp.DeviceType.CPU && NormalizeInOnePass(pixels, mirror) is { } normalized
            ? normalized
            : NormalizeWithTorch(pixels, device, mirror);

    /// <summary><see cref="Normalize"/> as libtorch operations (any device; the reference of the one-pass
    /// path).</summary>
    internal Tensor NormalizeWithTorch(Tensor pixels, Device? device = null, bool mirror = false)
    {
        using var scope = NewDisposeScope();
        Tensor x = pixels.to(device ?? CPU).permute(0, 3, 1, 2).to_type(ScalarType.Float32);
        if (mirror)
            x = x.flip(3); // before the mean image, which is not symmetric
        if (x.shape[1] == 1)
            x = x.expand(-1, 3, -1, -1);
        else if (x.shape[1] != 3)
            throw new ArgumentException($"expected 1 or 3 channels, got {x.shape[1]}.");
        if (Config.ChannelOrder == ChannelOrder.Bgr)
            x = x.flip(1);
        if (Config.InputRange != 255)
            x = x * (Config.InputRange / 255.0);
        x = (x - channelShift.to(x.device)) * channelScale.to(x.device);
        return x.contiguous().MoveToOuterDisposeScope();
    }

    // The same float operations in the same order as NormalizeWithTorch (so the same bits), in one pass over the
    // pixels instead of libtorch's five (convert, scale, subtract, multiply, copy); null where it does not apply.
    private unsafe Tensor? NormalizeInOnePass(Tensor pixels, bool mirror)
    {
        if (pixels.device_type != TorchSharp.DeviceType.CPU || pixels.dtype != ScalarType.Byte || pixels.dim() != 4)
            return null;
        long images = pixels.shape[0],
            height = pixels.shape[1],
            width = pixels.shape[2],
            channels = pixels.shape[3];
        bool meanImage = channelShift.shape[2] > 1 || channelShift.shape[3] > 1;
        if (
            channels is not (1 or 3)
            || channelShift.shape[1] != 3
            || channelScale.numel() != 3
            || (meanImage && (channelShift.shape[2] != height || channelShift.shape[3] != width))
        )
            return null;
        normalizationValues ??= (channelShift.data<float>().ToArray(), channelScale.data<float>().ToArray());
        var (shift, scale) = normalizationValues.Value;
        bool bgr = Config.ChannelOrder == ChannelOrder.Bgr,
            ranged = Config.InputRange != 255;
        float range = (float)(Config.InputRange / 255.0);
        long plane = height * width;
        using Tensor source = pixels.contiguous();
        Tensor output = empty(new[] { images, 3, height, width }, ScalarType.Float32);
        fixed (byte* from = source.bytes)
        fixed (byte* to = output.bytes)
        {
            byte* input = from;
            float* result = (float*)to;
            Parallel.For(
                0,
                images * 3,
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                p =>
                {
                    long image = p / 3;
                    int channel = (int)(p % 3);
                    long offset = Math.Min(bgr ? 2 - channel : channel, channels - 1);
                    float scaleValue = scale[channel];
                    float* target = result + p * plane;
                    byte* pixels0 = input + image * plane * channels + offset;
                    fixed (float* shifts = shift)
                    {
                        float* shiftPlane = meanImage ? shifts + channel * plane : null;
                        for (long y = 0; y < height; y++)
                            NormalizeRow(
                                pixels0 + y * width * channels,
                                target + y * width,
                                meanImage ? shiftPlane + y * width : null,
                                meanImage ? 0 : shift[channel],
                                scaleValue,
                                ranged ? range : null,
                                (int)width,
                                (int)channels,
                                mirror
                            );
                    }
                }
            );
        }
        return output;
    }

    // One row of one output channel: ((pixel [* range]) - shift) * scale, eight at a time where the pixels are gray and
    // in order (int to float is exact, so the vector and scalar paths agree).
    private static unsafe void NormalizeRow(
        byte* pixels,
        float* target,
        float* shiftRow,
        float shift,
        float scale,
        float? range,
        int width,
        int stride,
        bool mirror
    )
    {
        int x = 0;
        if (Avx2.IsSupported && stride == 1 && !mirror)
        {
            Vector256<float> scales = Vector256.Create(scale),
                shifts = Vector256.Create(shift),
                ranges = Vector256.Create(range ?? 1);
            for (; x + 8 <= width; x += 8)
            {
                Vector256<float> v = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(pixels + x));
                if (range is not null)
                    v *= ranges;
                Vector256<float> s = shiftRow is null ? shifts : Avx.LoadVector256(shiftRow + x);
                Avx.Store(target + x, (v - s) * scales);
            }
        }
        for (; x < width; x++)
        {
            float v = pixels[(mirror ? width - 1 - x : x) * stride];
            if (range is { } r)
                v *= r;
            target[x] = (v - (shiftRow is null ? shift : shiftRow[x])) * scale;
        }
    }

    /// <summary>Runs the network and returns the features [N, FeatureWidth]: the pooled output, or the concatenated
    /// pooled outputs of <see cref="FeatureLayers"/>.</summary>
    public Tensor Features(Tensor normalized)
    {
        if (!FinalFeaturesOnly)
            return FeaturesAtGrids(normalized, new[] { FeatureGrid })[0];
        using var scope = NewDisposeScope();
        return Network.forward(normalized).flatten(1).MoveToOuterDisposeScope();
    }

    /// <summary>Releases the network and normalisation tensors.</summary>
    public void Dispose()
    {
        Network.Dispose();
        foreach (OnnxRuntimePass pass in onnxPasses.Values.Concat(quantizedPasses.Values))
            pass.Dispose();
        channelShift.Dispose();
        channelScale.Dispose();
    }
}
