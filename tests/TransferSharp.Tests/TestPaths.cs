using TransferSharp.Backbones;

namespace TransferSharp.Tests;

/// <summary>Shared test helpers: temp folders and the default backbone's files.</summary>
public static class TestPaths
{
    public static string ResNet18Onnx =>
        Registry.ResolveFile(
            Registry.ResNet18ImageNet.Weights.RelativePath,
            Registry.ResNet18ImageNet.Weights.PackageId
        );

    public static string NewTempDir(string prefix)
    {
        string dir = Path.Combine(
            Path.GetTempPath(),
            "transfersharp-tests",
            prefix + "-" + Guid.NewGuid().ToString("N")[..8]
        );
        Directory.CreateDirectory(dir);
        return dir;
    }
}
