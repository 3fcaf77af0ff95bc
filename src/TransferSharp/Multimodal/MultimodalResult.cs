using TransferSharp.IO;

namespace TransferSharp.Multimodal;

/// <summary>A fitted multimodal model with its report, in memory; <see cref="Save"/> writes the run folder.</summary>
public sealed class MultimodalResult(
    MultimodalManifest manifest,
    MultimodalReport report,
    IFusionModel model,
    string? imageRun = null,
    string? jointWeights = null
) : IDisposable
{
    /// <summary>What predicting needs.</summary>
    public MultimodalManifest Manifest { get; } = manifest;

    /// <summary>The run's record.</summary>
    public MultimodalReport Report { get; } = report;

    /// <summary>The kept model.</summary>
    public IFusionModel Model { get; } = model;

    /// <summary>Writes multimodal.json, the model's weights and metrics.json into <paramref name="folder"/> (staged,
    /// then swapped in whole: a failure leaves what was there).</summary>
    public string Save(string folder) =>
        Runs.RunFolder.Replace(
            folder,
            staging =>
            {
                Directory.CreateDirectory(staging);
                Model.Save(staging);
                Json.Write(Path.Combine(staging, MultimodalManifest.FileName), Manifest);
                if (jointWeights is not null && Manifest.BackboneFile is { } file)
                    File.Copy(jointWeights, Path.Combine(staging, file));
                if (imageRun is not null)
                    CopyFolder(imageRun, Path.Combine(staging, TunedImageBranch.Folder));
                Json.Write(Path.Combine(staging, "metrics.json"), Report);
            }
        );

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        if (jointWeights is not null)
            File.Delete(jointWeights);
        if (imageRun is not null && Directory.Exists(imageRun))
            Directory.Delete(imageRun, recursive: true);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
