namespace TransferSharp.Strategies;

/// <summary>
/// Options shared by the strategies that fine-tune the backbone (fine-tune, LP-FT, gradual unfreezing, L2-SP): which
/// layer groups the new head reads, as feature extraction's <see
/// cref="FeatureExtraction.FeatureExtractionOptions.Features"/>. Groups after the last one named are left out of the
/// model: they neither run nor train.
/// </summary>
public abstract record FineTuningOptions : StrategyOptions
{
    /// <summary>
    /// The layer groups whose pooled outputs, concatenated, the head reads (e.g. stage3); null = the last group. On
    /// tasks far from ImageNet's objects an intermediate group's grid-pooled features start the head higher, and the
    /// groups after it cost nothing (the advisor suite's 100-per-class tasks: LP-FT from stage3 on a 2x2 grid +1.45
    /// points on average, 3 of 4 up, 1.7-2.7x faster; bench/README.md).
    /// </summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>Pool intermediate groups over a g x g grid of cells instead of globally. Default 1.</summary>
    public int FeatureGrid { get; init; } = 1;

    /// <inheritdoc />
    public override void Validate() => FeatureLayerChoice.Validate(GetType().Name, Features, FeatureGrid);
}
