namespace TransferSharp.Analysis;

/// <summary>Domain distance d of a set of images to the backbone's pretraining data.</summary>
/// <param name="Overall">d: the mean of the per-layer symmetric KL divergences.</param>
/// <param name="PerGroup">Mean per layer group (stem, stage1, ...).</param>
/// <param name="Layers">Every BatchNorm layer, in network order.</param>
/// <param name="Images">Images measured.</param>
public sealed record DomainDistanceResult(
    double Overall,
    IReadOnlyDictionary<string, double> PerGroup,
    IReadOnlyList<LayerDistance> Layers,
    int Images
);
