using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TransferSharp.Backbones;

/// <summary>
/// An int8 frozen pass of a backbone (<see cref="OnnxQuantizer"/>): the activation ranges observed on calibration
/// images, which with the backbone's weights fix the quantised graph. Saved with a run so that predictions use the
/// features it was trained on.
/// </summary>
public sealed record FrozenQuantization
{
    /// <summary>What the quantised graph is.</summary>
    public string Scheme { get; init; } =
        "int8 QDQ on ONNX Runtime: weights int8 per output channel (symmetric), activations uint8 per tensor "
        + "(min-max over the calibration images), BatchNorm folded";

    /// <summary>Each quantised activation's range, by tensor name in the backbone's rewritten graph.</summary>
    public required IReadOnlyDictionary<string, ActivationRange> Ranges { get; init; }

    /// <summary>How many training images the ranges were observed on.</summary>
    public int CalibrationImages { get; init; }

    /// <summary>Weight levels each side of zero: 127, or 63 where the calibrating CPU had no VNNI (<see
    /// cref="OnnxQuantizer.MachineWeightLevels"/>). Runs saved before this was recorded used 127.</summary>
    public int WeightLevels { get; init; } = 127;

    /// <summary>What this machine's calibration records in <see cref="WeightLevels"/>.</summary>
    public static int MachineWeightLevels => OnnxQuantizer.MachineWeightLevels;

    /// <summary>This quantisation as a CPU with <paramref name="machineLevels"/> weight levels runs it: 127-level
    /// weights on a CPU without VNNI overflow its 16-bit multiply-adds (features saturate), so they are re-quantised to
    /// that CPU's 63 levels (the same ranges; a key of its own); otherwise unchanged.</summary>
    public FrozenQuantization ForMachine(int machineLevels) =>
        WeightLevels > machineLevels ? this with { WeightLevels = machineLevels } : this;

    /// <summary>A digest of the ranges: features of the same backbone quantised with other ranges are not the
    /// same.</summary>
    public string Key()
    {
        // The scheme and the quantiser's version too: the same ranges in another graph are other features.
        var text = new StringBuilder(Scheme).Append('|').Append(OnnxQuantizer.Version).Append('|');
        if (WeightLevels != 127) // 127 adds nothing: the keys of earlier runs and caches stay as they were
            text.Append("weights ").Append(WeightLevels).Append('|');
        foreach (var (name, range) in Ranges.OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append(name)
                .Append('=')
                .Append(range.Min.ToString("R", CultureInfo.InvariantCulture))
                .Append(',')
                .Append(range.Max.ToString("R", CultureInfo.InvariantCulture))
                .Append(';');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16].ToLowerInvariant();
    }
}
