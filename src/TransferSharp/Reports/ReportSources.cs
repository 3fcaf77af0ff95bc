using TransferSharp.Analysis;
using TransferSharp.IO;
using TransferSharp.Learning;
using TransferSharp.Runs;
using TransferSharp.Training;

namespace TransferSharp.Reports;

/// <summary>
/// What a run folder holds for the report: the record (required), and when present the manifest, the test or held-out
/// predictions, the shift diagnosis and the plots. An optional file that cannot be read leaves a note instead of
/// failing the whole report.
/// </summary>
internal sealed class ReportSources
{
    private static readonly byte[] pngSignature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

    private ReportSources(string folder, FitReport record) => (Folder, Record) = (folder, record);

    /// <summary>The run folder.</summary>
    public string Folder { get; }

    /// <summary>metrics.json.</summary>
    public FitReport Record { get; }

    /// <summary>model.json, when present.</summary>
    public ModelManifest? Manifest { get; private set; }

    /// <summary>The test predictions, else the held-out ones.</summary>
    public ScoredImages? Predictions { get; private set; }

    /// <summary>diagnosis.json, when present.</summary>
    public ShiftReport? Diagnosis { get; private set; }

    /// <summary>Optional files that could not be read, in words.</summary>
    public List<string> Problems { get; } = new();

    /// <summary>Class names by index: the record's, else the manifest's.</summary>
    public IReadOnlyList<string> ClassNames =>
        Record.Classes.Count > 0 ? Record.Classes : Manifest?.ClassNames ?? Array.Empty<string>();

    /// <summary>Reads <paramref name="folder"/>; metrics.json must be there.</summary>
    public static ReportSources Load(string folder)
    {
        var sources = new ReportSources(folder, FitResult.LoadReport(folder));
        sources.Manifest = sources.Optional<ModelManifest>(SavedModel.ManifestFile);
        sources.Diagnosis = sources.Optional<ShiftReport>("diagnosis.json");
        if (sources.Optional<PredictionSet>(PredictionSet.TestFile) is { Labels.Length: > 0 } test)
            sources.Predictions = new ScoredImages("test", test.Labels, test.LogProbabilities, test.Ids);
        else if (sources.Optional<CalibrationSet>(CalibrationSet.FileName) is { Labels.Length: > 0 } heldOut)
            sources.Predictions = new ScoredImages(
                "held-out validation",
                heldOut.Labels,
                heldOut.LogProbabilities,
                heldOut.Ids
            );
        return sources;
    }

    /// <summary>A PNG of the run folder, when it is there and is a PNG.</summary>
    public byte[]? Png(string? name)
    {
        if (name is null)
            return null;
        string path = Path.Combine(Folder, name);
        if (!File.Exists(path))
            return null;
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.AsSpan().StartsWith(pngSignature))
            return bytes;
        Problems.Add($"{name}: not a PNG image.");
        return null;
    }

    private T? Optional<T>(string name)
        where T : class
    {
        string path = Path.Combine(Folder, name);
        if (!File.Exists(path))
            return null;
        try
        {
            return Json.Read<T>(path);
        }
        catch (InvalidDataException e)
        {
            Problems.Add(e.Message);
            return null;
        }
    }
}
