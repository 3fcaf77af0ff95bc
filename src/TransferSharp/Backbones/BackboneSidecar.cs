using System.Text.Json;

namespace TransferSharp.Backbones;

/// <summary>
/// The preprocessing an exported model comes with, in timm's pretrained_cfg keys: <c>model.json</c> (or
/// <c>model.onnx.json</c>) beside <c>model.onnx</c>, flat or holding a <c>pretrained_cfg</c> object, or a Hugging Face
/// style <c>config.json</c> in the same folder holding one.
/// </summary>
public sealed record BackboneSidecar
{
    /// <summary>The sidecar file read, or null when there is none.</summary>
    public string? Path { get; init; }

    /// <summary>mean (0..1 scale).</summary>
    public IReadOnlyList<double>? Mean { get; init; }

    /// <summary>std (0..1 scale).</summary>
    public IReadOnlyList<double>? Std { get; init; }

    /// <summary>input_size [C, H, W].</summary>
    public IReadOnlyList<int>? InputSize { get; init; }

    /// <summary>interpolation (bilinear, bicubic, ...).</summary>
    public string? Interpolation { get; init; }

    /// <summary>crop_pct.</summary>
    public double? CropPct { get; init; }

    /// <summary>channel_order: RGB or BGR.</summary>
    public ChannelOrder? ChannelOrder { get; init; }

    /// <summary>input_range: 1 or 255.</summary>
    public double? InputRange { get; init; }

    // timm's PretrainedCfg fields that say nothing about preprocessing: accepted and ignored. Any other key is a typo.
    private static readonly HashSet<string> ignored = new()
    {
        "url",
        "file",
        "state_dict",
        "hf_hub_id",
        "hf_hub_filename",
        "source",
        "architecture",
        "tag",
        "custom_load",
        "test_input_size",
        "min_input_size",
        "fixed_input_size",
        "test_crop_pct",
        "crop_mode",
        "num_classes",
        "label_offset",
        "label_names",
        "label_descriptions",
        "pool_size",
        "test_pool_size",
        "first_conv",
        "classifier",
        "license",
        "description",
        "origin_url",
        "paper_name",
        "paper_ids",
        "notes",
    };

    private static readonly string[] read =
    {
        "mean",
        "std",
        "input_size",
        "interpolation",
        "crop_pct",
        "channel_order",
        "input_range",
    };

    private static readonly string[] interpolations = { "bilinear", "bicubic", "nearest", "lanczos", "box", "hamming" };

    /// <summary>The sidecar of <paramref name="onnxPath"/> (an empty one when it has none).</summary>
    public static BackboneSidecar For(string onnxPath)
    {
        string[] candidates = Candidates(onnxPath);
        foreach (string candidate in candidates[..2])
            if (File.Exists(candidate))
                return Read(candidate, requirePretrainedCfg: false);
        return File.Exists(candidates[2]) ? Read(candidates[2], requirePretrainedCfg: true) : new BackboneSidecar();
    }

    /// <summary>Where a sidecar of <paramref name="onnxPath"/> may be, in the order they are looked for: PATH.json
    /// (model.json), PATH.onnx.json, config.json in the same folder.</summary>
    public static string[] Candidates(string onnxPath)
    {
        string folder = System.IO.Path.GetDirectoryName(onnxPath) ?? ".";
        string stem = System.IO.Path.GetFileNameWithoutExtension(onnxPath);
        return new[]
        {
            System.IO.Path.Combine(folder, stem + ".json"),
            onnxPath + ".json",
            System.IO.Path.Combine(folder, "config.json"),
        };
    }

    /// <summary>Reads a sidecar; wrong keys, types or values raise an error naming the file and the key.</summary>
    public static BackboneSidecar Read(string path, bool requirePretrainedCfg)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw Error(path, $"not valid JSON ({e.Message})");
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw Error(path, "expected a JSON object of timm pretrained_cfg keys");
        if (root.TryGetProperty("pretrained_cfg", out JsonElement cfg))
        {
            if (cfg.ValueKind != JsonValueKind.Object)
                throw Error(path, "pretrained_cfg must be an object");
            root = cfg;
        }
        else if (requirePretrainedCfg)
            return new BackboneSidecar(); // a config.json of something else
        foreach (JsonProperty property in root.EnumerateObject())
            if (!read.Contains(property.Name) && !ignored.Contains(property.Name))
                throw Error(
                    path,
                    $"unknown key '{property.Name}'; the keys read are {string.Join(", ", read)} (other timm "
                        + "pretrained_cfg keys are accepted and ignored)"
                );
        var sidecar = new BackboneSidecar
        {
            Path = path,
            Mean = Numbers(root, "mean", path),
            Std = Numbers(root, "std", path),
            InputSize = Numbers(root, "input_size", path)?.Select(v => (int)v).ToList(),
            Interpolation = Text(root, "interpolation", path),
            CropPct = Numbers(root, "crop_pct", path, scalar: true)?[0],
            ChannelOrder = Text(root, "channel_order", path) is { } order
                ? BackbonePreprocessing.ParseChannelOrder(order)
                    ?? throw Error(path, $"channel_order '{order.ToUpperInvariant()}': expected RGB or BGR")
                : null,
            InputRange = Numbers(root, "input_range", path, scalar: true)?[0],
        };
        sidecar.Check(path);
        return sidecar;
    }

    private void Check(string path)
    {
        if (InputSize is { } size && (size.Count != 3 || size.Any(v => v < 1)))
            throw Error(path, $"input_size [{string.Join(",", size)}]: expected [channels, height, width], positive");
        if (InputSize is { } square && square[1] != square[2])
            throw Error(path, $"input_size [{string.Join(",", square)}]: only square inputs are supported");
        // Lengths against input_size's channels here; against the network's when it is imported.
        if (BackbonePreprocessing.Problem(Mean, Std, InputRange, InputSize?[0], key => key) is { } problem)
            throw Error(path, problem);
        if (CropPct is { } crop && !(crop > 0 && crop <= 1))
            throw Error(path, $"crop_pct {crop}: expected a fraction in (0, 1]");
        if (Interpolation is { } mode && !interpolations.Contains(mode))
            throw Error(path, $"interpolation '{mode}': expected one of {string.Join(", ", interpolations)}");
    }

    private static List<double>? Numbers(JsonElement root, string key, string path, bool scalar = false)
    {
        if (!root.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (scalar)
            return value.ValueKind == JsonValueKind.Number
                ? new List<double> { value.GetDouble() }
                : throw Error(path, $"{key} must be a number");
        if (
            value.ValueKind != JsonValueKind.Array
            || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number)
        )
            throw Error(path, $"{key} must be a list of numbers");
        return value.EnumerateArray().Select(v => v.GetDouble()).ToList();
    }

    private static string? Text(JsonElement root, string key, string path)
    {
        if (!root.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Error(path, $"{key} must be a string");
    }

    private static OnnxImportException Error(string path, string problem) => new($"{path}: {problem}.");
}
