namespace TransferSharp.Analysis;

/// <summary>A network's gain across spatial frequencies, per layer group.</summary>
/// <param name="Frequencies">Band centres in cycles per pixel (0.5 = Nyquist).</param>
/// <param name="Groups">Layer groups, input to output.</param>
/// <param name="GainDb">[group][band]: response energy relative to the lowest band, in dB.</param>
/// <param name="HighToLowDb">Per group: the gain of the highest band relative to the lowest (negative =
/// low-pass).</param>
public sealed record FrequencyResponse(
    double[] Frequencies,
    IReadOnlyList<string> Groups,
    double[][] GainDb,
    IReadOnlyDictionary<string, double> HighToLowDb
);
