using TransferSharp.Training;

namespace TransferSharp.Strategies.FeatureExtraction;

/// <summary>Feature extraction's options: which layers give the features, how they are pooled, the head's
/// fit.</summary>
public sealed record FeatureExtractionOptions : StrategyOptions
{
    /// <summary>
    /// The layer groups whose pooled outputs, concatenated, are the features (e.g. stage3, stage4); null = the last
    /// group (the network's own features). Intermediate layers transfer better to tasks far from ImageNet's objects.
    /// </summary>
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>
    /// Pool intermediate groups over a g x g grid of cells instead of globally (channels x g x g features each), so
    /// that where a pattern sits survives. Default 1.
    /// </summary>
    public int FeatureGrid { get; init; } = 1;

    /// <summary>Full-batch optimisation steps of the logistic-regression head: the most L-BFGS iterations per fit, or
    /// Adam's steps. Default 300.</summary>
    public int HeadSteps { get; init; } = 300;

    /// <summary>How the head is minimised. Default <see cref="HeadSolver.Lbfgs"/>.</summary>
    public HeadSolver HeadSolver { get; init; } = HeadSolver.Lbfgs;

    /// <summary>Other grids the frozen pass also pools the same layers at, into the feature cache: a preset plans
    /// its grid candidate so, and one backbone pass serves both. Default none.</summary>
    public IReadOnlyList<int> CacheGrids { get; init; } = [];

    /// <summary>The frozen pass's arithmetic: int8 is calibrated on the training images and used only when a probe on
    /// its features scores within 0.3 points of fp32's (recorded either way). Default fp32.</summary>
    public FrozenPrecision Precision { get; init; } = FrozenPrecision.Fp32;

    /// <inheritdoc />
    public override void Validate()
    {
        foreach (int grid in CacheGrids)
            Limits.Range(
                $"{nameof(FeatureExtractionOptions)}.{nameof(CacheGrids)}",
                grid,
                1,
                Backbones.Backbone.MaxFeatureGrid
            );
        Limits.Range($"{nameof(FeatureExtractionOptions)}.{nameof(HeadSteps)}", HeadSteps, 1, Limits.MaximumHeadSteps);
        FeatureLayerChoice.Validate(nameof(FeatureExtractionOptions), Features, FeatureGrid);
    }
}
