using TransferSharp.Strategies.AdaBatchNorm;
using TransferSharp.Strategies.Auto;
using TransferSharp.Strategies.BatchNormOnly;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Strategies.FineTune;
using TransferSharp.Strategies.GradualUnfreeze;
using TransferSharp.Strategies.L2Sp;
using TransferSharp.Strategies.LpFt;
using TransferSharp.Strategies.Scratch;

namespace TransferSharp.Strategies;

/// <summary>
/// Every strategy TransferSharp offers, in one place (timm's model registry): the only place a strategy's name is
/// written. The CLI, auto, the advisor, pilots and the learning-rate finder all ask it. Adding a strategy is one folder
/// (its options and its <see cref="TransferStrategy"/>) and one line here.
/// </summary>
public static class StrategyRegistry
{
    /// <summary>The name of the request for advice (<see cref="AutoOptions"/>): not a strategy, but accepted where one
    /// is.</summary>
    public const string AutoName = "auto";

    /// <summary>Frozen backbone, cached features, a logistic-regression head.</summary>
    public static StrategyDescriptor FeatureExtraction { get; } =
        Describe<FeatureExtractionOptions>(
            "feature-extraction",
            "frozen backbone, features computed once and cached, multinomial logistic-regression head",
            o => new FeatureExtractionStrategy(o)
        );

    /// <summary>Fine-tuning with discriminative rates.</summary>
    public static StrategyDescriptor FineTune { get; } =
        Describe<FineTuneOptions>(
            "fine-tune",
            "all groups train (or --freeze-to K), discriminative learning rates, warm-up then cosine or one-cycle",
            o => new FineTuneStrategy(o)
        );

    /// <summary>Validation-guided gradual unfreezing.</summary>
    public static StrategyDescriptor GradualUnfreeze { get; } =
        Describe<GradualUnfreezeOptions>(
            "gradual-unfreeze",
            "head first, then one group down each time validation plateaus; rolls back when a deeper unfreeze hurts",
            o => new GradualUnfreezeStrategy(o)
        );

    /// <summary>BatchNorm-only adaptation.</summary>
    public static StrategyDescriptor BatchNormOnly { get; } =
        Describe<BatchNormOnlyOptions>(
            "bn-only",
            "only BatchNorm affine parameters and the head train (--adabn re-estimates BN statistics first)",
            o => new BatchNormOnlyStrategy(o)
        );

    /// <summary>AdaBN, then a head.</summary>
    public static StrategyDescriptor AdaBatchNorm { get; } =
        Describe<AdaBatchNormOptions>(
            "adabn",
            "AdaBN: BatchNorm statistics re-estimated on the training images, then a frozen head-only fit",
            o => new AdaBatchNormStrategy(o)
        );

    /// <summary>L2-SP.</summary>
    public static StrategyDescriptor L2Sp { get; } =
        Describe<L2SpOptions>(
            "l2-sp",
            "fine-tune with alpha/2 ||w - w_pretrained||^2 on the backbone and beta/2 ||w||^2 on the head",
            o => new L2SpStrategy(o)
        );

    /// <summary>LP-FT.</summary>
    public static StrategyDescriptor LpFt { get; } =
        Describe<LpFtOptions>(
            "lp-ft",
            "linear probe on cached features, then fine-tune everything starting from that head",
            o => new LpFtStrategy(o)
        );

    /// <summary>The from-scratch baseline.</summary>
    public static StrategyDescriptor Scratch { get; } =
        Describe<ScratchOptions>(
            "scratch",
            "baseline: the same network from random initialisation, same budget",
            o => new ScratchStrategy(o)
        );

    /// <summary>Every strategy, in the order the CLI lists them.</summary>
    public static IReadOnlyList<StrategyDescriptor> All { get; } =
        new[] { FeatureExtraction, FineTune, GradualUnfreeze, BatchNormOnly, AdaBatchNorm, L2Sp, LpFt, Scratch };

    /// <summary>The names the CLI accepts for --strategy: every strategy, then auto.</summary>
    public static IReadOnlyList<string> Names => All.Select(d => d.Name).Append(AutoName).ToList();

    /// <summary>The strategy named <paramref name="name"/>; an unknown name is an error listing the
    /// strategies.</summary>
    public static StrategyDescriptor Get(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new OptionException(
            "strategy",
            name,
            $"no such strategy. Available: {string.Join(", ", All.Select(d => d.Name))}, or {AutoName} (the advisor "
                + $"picks)."
        );

    /// <summary>The options a name asks for: the strategy's defaults, or <see cref="AutoOptions"/> for auto.</summary>
    public static StrategyOptions Parse(string name) =>
        string.Equals(name, AutoName, StringComparison.OrdinalIgnoreCase)
            ? new AutoOptions()
            : Get(name).DefaultOptions();

    /// <summary>The strategy whose options <paramref name="options"/> are.</summary>
    public static StrategyDescriptor Of(StrategyOptions options) =>
        All.FirstOrDefault(d => d.OptionsType == options.GetType())
        ?? throw new OptionException("strategy", options.GetType().Name, "not a registered strategy's options.");

    /// <summary>The name of <paramref name="options"/>' strategy, or auto.</summary>
    public static string NameOf(StrategyOptions options) => options is AutoOptions ? AutoName : Of(options).Name;

    /// <summary>The strategy for <paramref name="options"/>.</summary>
    public static ITransferStrategy Create(StrategyOptions options) => Of(options).Create(options);

    private static StrategyDescriptor Describe<TOptions>(
        string name,
        string summary,
        Func<TOptions, ITransferStrategy> create
    )
        where TOptions : StrategyOptions, new() =>
        new(name, summary, typeof(TOptions), () => new TOptions(), o => create((TOptions)o));
}
