namespace TransferSharp.Analysis;

/// <summary>The advice.</summary>
/// <param name="Regime">few-data / some-data / much-data, crossed with near / moderate / far domain.</param>
/// <param name="Strategy">The recommended strategy.</param>
/// <param name="Adapter">The recommended input adapter.</param>
/// <param name="Alternatives">Other strategies worth a pilot run, best first.</param>
/// <param name="Explanation">In plain words, with N, P/N, d and the regime.</param>
/// <param name="FeatureLayers">For feature extraction: the layer groups to read features from (the best-scoring group
/// by LogME).</param>
/// <param name="InputSize">The input size to train at (null when the image size was not measured).</param>
/// <param name="Training">Epochs and learning rates for a network strategy (null for feature extraction: its head takes
/// 300 full-batch steps).</param>
/// <param name="RandomFlips">Whether random horizontal flips suit the data when a network trains: false when some class
/// is oriented (<see cref="Orientation"/>); null when not measured. <c>auto</c> follows it (see
/// <see cref="Strategies.Auto.AutoOptions.FollowFlipAdvice"/>).</param>
/// <param name="HeadLayers">For a fine-tuning strategy's head: the intermediate group whose features transfer better
/// than the last group's (or as well, with fewer of them); null when the last group's do. <c>auto</c> gives it to the
/// head on a 2 x 2 grid, and the later groups are left out.</param>
/// <param name="RandomShifts">Whether random shifts (pad-and-crop) suit the data when a network trains: false when the
/// images are aligned (<see cref="Alignment"/>); null when not measured. <c>auto</c> follows it (see <see
/// cref="Strategies.Auto.AutoOptions.FollowShiftAdvice"/>).</param>
public sealed record Advice(
    string Regime,
    Strategies.StrategyDescriptor Strategy,
    string Adapter,
    IReadOnlyList<Strategies.StrategyDescriptor> Alternatives,
    string Explanation,
    IReadOnlyList<string>? FeatureLayers = null,
    int? InputSize = null,
    TrainingRecipe? Training = null,
    bool? RandomFlips = null,
    IReadOnlyList<string>? HeadLayers = null,
    bool? RandomShifts = null
)
{
    /// <summary>
    /// The adapter for <paramref name="strategy"/>: conv1x1 becomes weight-sum for the strategies that train every
    /// layer at once (fine-tune, l2-sp, scratch), whose first convolution then learns every band itself (0.903 against
    /// 0.879 at 10 epochs on the multispectral task); staged and frozen strategies keep conv1x1, fitted with the head
    /// on the frozen backbone first (bench/README.md, "Input adapters").
    /// </summary>
    public string AdapterFor(Strategies.StrategyDescriptor strategy) =>
        Adapter == "conv1x1"
        && (
            strategy == Strategies.StrategyRegistry.FineTune
            || strategy == Strategies.StrategyRegistry.L2Sp
            || strategy == Strategies.StrategyRegistry.Scratch
        )
            ? "weight-sum"
            : Adapter;
}
