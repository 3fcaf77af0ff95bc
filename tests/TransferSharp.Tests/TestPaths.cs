using TransferSharp.Backbones;

namespace TransferSharp.Tests;

/// <summary>Shared test helpers: temp folders and the default backbone's files.</summary>
public static class TestPaths
{
    // One folder per test process, removed when it ends or, when the test host is killed first, by the next run: a
    // suite run saves ~1.5 GB of run folders (the backbone and its ONNX export in each), enough to fill a small /tmp.
    private static readonly Lazy<string> root = new(() =>
    {
        string all = Path.Combine(Path.GetTempPath(), "transfersharp-tests");
        RemoveLeftovers(all);
        string root = Path.Combine(all, Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);
        return root;
    });

    public static string ResNet18Onnx =>
        Registry.ResolveFile(
            Registry.ResNet18ImageNet.Weights.RelativePath,
            Registry.ResNet18ImageNet.Weights.PackageId
        );

    public static string NewTempDir(string prefix)
    {
        string dir = Path.Combine(root.Value, prefix + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static void RemoveLeftovers(string all)
    {
        if (!Directory.Exists(all))
            return;
        foreach (string folder in Directory.EnumerateDirectories(all))
        {
            string name = Path.GetFileName(folder);
            bool live = int.TryParse(name.Split('-')[0], out int pid) && TransferSharp.IO.Processes.IsAlive(pid);
            if (!live)
                TryDelete(folder);
        }
    }

    private static void TryDelete(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
