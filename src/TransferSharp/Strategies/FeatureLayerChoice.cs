using TransferSharp.Backbones;
using TransferSharp.Progress;

namespace TransferSharp.Strategies;

/// <summary>The layer groups a strategy's head reads (its options' Features and FeatureGrid): checked, then applied
/// to the backbone.</summary>
internal static class FeatureLayerChoice
{
    /// <summary>Throws <see cref="OptionException"/> on a bad grid or an empty list of groups.</summary>
    public static void Validate(string owner, IReadOnlyList<string>? layers, int grid)
    {
        Limits.Range($"{owner}.FeatureGrid", grid, 1, Backbone.MaxFeatureGrid);
        if (grid > 1 && layers is null)
            throw new OptionException(
                $"{owner}.FeatureGrid",
                grid,
                "grid pooling applies to intermediate feature groups; name them in Features (e.g. stage3)."
            );
        if (layers is { Count: 0 })
            throw new OptionException($"{owner}.Features", "", "name at least one layer group.");
    }

    /// <summary>Makes <paramref name="backbone"/>'s features the pooled outputs of <paramref name="layers"/> (nothing
    /// when null: the last group's).</summary>
    public static void Apply(
        Backbone backbone,
        string owner,
        IReadOnlyList<string>? layers,
        int grid,
        IProgress<ProgressUpdate>? progress
    )
    {
        if (layers is null)
            return;
        try
        {
            backbone.UseFeatureLayers(layers, grid);
        }
        catch (ArgumentException e)
        {
            throw new OptionException($"{owner}.Features", layers, e.Message);
        }
        if (grid > 1 && backbone.FeatureGrid == 1)
            progress.Info(
                $"feature grid {grid} ignored: grid pooling applies to intermediate groups, and the features come "
                    + $"from {string.Join(",", layers)} only (the network's own global pooling)"
            );
    }
}
