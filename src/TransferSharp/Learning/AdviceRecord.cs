namespace TransferSharp.Learning;

/// <summary>The advice an auto run followed, as recorded.</summary>
/// <param name="Requested">What was asked: auto.</param>
/// <param name="Regime">The data-size and domain regime.</param>
/// <param name="Strategy">The advised strategy.</param>
/// <param name="Adapter">The advised input adapter.</param>
/// <param name="Alternatives">Other strategies worth a pilot.</param>
/// <param name="FeatureLayers">The advised feature layers.</param>
/// <param name="RandomFlips">Whether random flips suit the data.</param>
/// <param name="HeadLayers">The intermediate group a fine-tuning strategy's head reads (null: the last group).</param>
/// <param name="RandomShifts">Whether random shifts (pad-and-crop) suit the data.</param>
/// <param name="Explanation">Why, in words.</param>
public sealed record AdviceRecord(
    string Requested,
    string Regime,
    string Strategy,
    string Adapter,
    IReadOnlyList<string> Alternatives,
    IReadOnlyList<string>? FeatureLayers,
    bool? RandomFlips,
    IReadOnlyList<string>? HeadLayers,
    bool? RandomShifts,
    string Explanation
);
