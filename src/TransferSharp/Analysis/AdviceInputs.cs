namespace TransferSharp.Analysis;

/// <summary>What the advisor reasons from.</summary>
/// <param name="Images">Labelled images (N).</param>
/// <param name="Classes">Classes.</param>
/// <param name="SmallestClass">Images in the smallest class.</param>
/// <param name="Channels">Input channels.</param>
/// <param name="DomainDistance">d, from <see cref="DomainDistance"/> (null when not measured).</param>
/// <param name="TuneEarlyLayers">The frequency verdict: the images carry high-frequency energy the stem
/// attenuates.</param>
/// <param name="TrainableParameters">P of each candidate strategy.</param>
/// <param name="Transferability">LogME of every layer group's pooled features on a labelled sample (empty when not
/// measured).</param>
/// <param name="ImageSide">The images' typical shorter side in pixels (median of a sample; null when not
/// measured).</param>
/// <param name="NativeSize">The backbone's own input size.</param>
/// <param name="MirrorAsymmetry">Each class's mean-image mirror asymmetry (<see cref="Orientation"/>; null when not
/// measured).</param>
/// <param name="CentredShare">The share of images that sit where their class's others do (<see cref="Alignment"/>;
/// null when not measured).</param>
public sealed record AdviceInputs(
    int Images,
    int Classes,
    int SmallestClass,
    int Channels,
    double? DomainDistance,
    bool TuneEarlyLayers,
    IReadOnlyDictionary<string, long> TrainableParameters,
    IReadOnlyList<GroupTransferability>? Transferability = null,
    int? ImageSide = null,
    int NativeSize = 224,
    IReadOnlyDictionary<string, double>? MirrorAsymmetry = null,
    double? CentredShare = null
);
