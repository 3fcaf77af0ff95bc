namespace TransferSharp.Backbones;

/// <summary>Every backbone TransferSharp knows, in one place.</summary>
public static class Registry
{
    /// <summary>The default backbone.</summary>
    public const string DefaultName = "resnet18-imagenet";

    /// <summary>ImageNet-pretrained ResNet18 from ML.NET's DnnImageFeaturizer package (a CNTK 2.6 export, ONNX opset
    /// 8).</summary>
    public static readonly PretrainedConfig ResNet18ImageNet = new()
    {
        Name = "resnet18-imagenet",
        Description =
            "ResNet18 pretrained on ImageNet-1k (CNTK export, blocks [2,2,2,3], ends at the 512-d pooled features)",
        Architecture = "resnet18",
        PretrainedOn = "ImageNet-1k",
        Weights = new WeightsSource(
            "Microsoft.ML.DnnImageFeaturizer.ResNet18",
            "0.23.1",
            "models/ResNet18Onnx/ResNet18.onnx",
            "MIT"
        ),
        InputSize = 224,
        ChannelOrder = ChannelOrder.Bgr,
        InputRange = 255,
        MeanImage = new MeanImageSource("models/ResNetPrepOnnx/ResNetPreprocess.onnx", "MeanImage"),
        Std = new[] { 1.0, 1.0, 1.0 },
        FirstConvolution = "Convolution249",
        Classifier = "none",
        LayerGroups = new[] { "stem", "stage1", "stage2", "stage3", "stage4" },
        FeatureWidth = 512,
    };

    private static readonly PretrainedConfig[] all = { ResNet18ImageNet };

    /// <summary>All registered backbones.</summary>
    public static IReadOnlyList<PretrainedConfig> Entries => all;

    /// <summary>The registered names.</summary>
    public static IReadOnlyList<string> Names => all.Select(c => c.Name).ToList();

    /// <summary>The config of <paramref name="name"/>, a registered backbone or an ONNX file's path; an unknown name
    /// raises an error listing the registered ones.</summary>
    public static PretrainedConfig Get(string name, BackbonePreprocessing? preprocessing = null)
    {
        var registered = all.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
        if (registered is null)
            return ExternalBackbones.IsFile(name)
                ? ExternalBackbones.Describe(name, preprocessing)
                : throw new UnknownBackboneException(
                    $"Unknown backbone '{name}'. Registered backbones: {string.Join(", ", Names)}, or the path of an "
                        + "ONNX file (model.onnx)."
                );
        // Settings meant for a file's sidecar would otherwise be ignored without a word.
        if (preprocessing is not (null or { IsEmpty: true, FeatureNode: null }))
            throw new OptionException(
                "ModelOptions.Preprocessing",
                registered.Name,
                "applies to a backbone read from an ONNX file; a registered backbone's preprocessing and features "
                    + "are its own"
            );
        return registered;
    }

    /// <summary>Absolute path of a file the build copied next to the application (weights, mean image).</summary>
    public static string ResolveFile(string relativePath, string packageId)
    {
        foreach (
            string root in new[]
            {
                AppContext.BaseDirectory,
                Path.GetDirectoryName(typeof(Registry).Assembly.Location) ?? "",
            }
        )
        {
            string candidate = Path.Combine(root, relativePath);
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException(
            $"{relativePath} was not found next to the application ({AppContext.BaseDirectory}). It comes from the "
                + $"NuGet package "
                + $"{packageId}, which the TransferSharp build copies into the output; rebuild with 'dotnet build'."
        );
    }
}
