using TransferSharp.Data;
using TransferSharp.IO;

namespace TransferSharp.Analysis;

/// <summary>
/// A trained model's predictions on its held-out validation split, saved by <c>fit</c> beside the model: what
/// calibration, confusion-based label-shift estimation (BBSE) and shift diagnosis need. Log-probabilities are the
/// model's own (uncalibrated) log-softmax outputs.
/// </summary>
/// <param name="Labels">True class of each validation image.</param>
/// <param name="LogProbabilities">Log-softmax outputs, one row per validation image.</param>
/// <param name="SourcePriors">Class frequencies of the training split: the prior the model learned.</param>
/// <param name="Ids">Each image's id (absent in folders written before ids were kept).</param>
public sealed record CalibrationSet(
    int[] Labels,
    double[][] LogProbabilities,
    double[] SourcePriors,
    string[]? Ids = null
)
{
    /// <summary>The file name inside a run folder.</summary>
    public const string FileName = "validation_predictions.json";

    /// <summary>Number of classes.</summary>
    public int Classes => SourcePriors.Length;

    /// <summary>Reads the file from a run folder; the error names the file when it is missing or malformed.</summary>
    public static CalibrationSet Load(string runFolder)
    {
        string path = Path.Combine(runFolder, FileName);
        if (!File.Exists(path))
            throw new DataException(
                $"{path}: missing; this run folder has no validation predictions (written by fit since label-shift "
                    + $"support): fit the model again.",
                path
            );
        CalibrationSet set;
        try
        {
            set = Json.Read<CalibrationSet>(path);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
        {
            throw new DataException($"{path}: not valid validation predictions ({e.Message}).", path, e);
        }
        if (
            set.Labels is null
            || set.LogProbabilities is null
            || set.SourcePriors is null
            || set.Labels.Length != set.LogProbabilities.Length
            || set.Labels.Length == 0
        )
            throw new DataException($"{path}: labels and log-probabilities are missing or of different lengths.", path);
        return set;
    }

    /// <summary>Writes the file into a run folder.</summary>
    public void Save(string runFolder) => Json.Write(Path.Combine(runFolder, FileName), this);

    /// <summary>Class frequencies of the validation labels.</summary>
    public double[] ValidationPriors() => LabelShift.Frequencies(Labels, Classes);
}
