using TransferSharp.Adapters;
using TransferSharp.Strategies.L2Sp;
using TransferSharp.Training;

namespace TransferSharp.Cli;

/// <summary>Which strategies a fit option applies to; giving it with another strategy is an error.</summary>
/// <param name="Text">Where it applies, for help and errors.</param>
/// <param name="Applies">Whether it applies to a strategy's options with the model's options.</param>
internal sealed record FlagScope(string Text, Func<StrategyOptions, ModelOptions, bool> Applies)
{
    /// <summary>Every strategy.</summary>
    public static readonly FlagScope All = new("every strategy", (_, _) => true);

    /// <summary>Strategies that train the network, and auto but its fast preset (frozen features only: fit's
    /// default).</summary>
    public static readonly FlagScope Network = new(
        "network strategies and auto (not --preset fast)",
        (s, _) => s is not FeatureExtractionOptions && !FrozenOnly(s)
    );

    /// <summary>Network strategies, auto, and feature extraction whose conv1x1 adapter trains.</summary>
    public static readonly FlagScope NetworkOrAdapter = new(
        $"network strategies, auto (not --preset fast), and {StrategyRegistry.FeatureExtraction.Name} with --adapter "
            + "conv1x1",
        (s, m) => s is not FeatureExtractionOptions && !FrozenOnly(s) || m.Adapter == AdapterKind.Conv1x1
    );

    /// <summary>LP-FT, which fits a conv1x1 adapter with its probe head first, and auto.</summary>
    public static readonly FlagScope LpFtAdapter = new(
        $"{StrategyRegistry.LpFt.Name} with --adapter conv1x1, and auto (not --preset fast)",
        (s, m) =>
            s is Strategies.LpFt.LpFtOptions && m.Adapter == AdapterKind.Conv1x1 || s is AutoOptions && !FrozenOnly(s)
    );

    /// <summary>Network strategies but scratch (layer decay protects pretrained layers).</summary>
    public static readonly FlagScope Pretrained = new(
        "network strategies except scratch, and auto (not --preset fast)",
        (s, _) => s is not FeatureExtractionOptions && s is not Strategies.Scratch.ScratchOptions && !FrozenOnly(s)
    );

    /// <summary>Auto's fast preset: frozen features only, fit's default.</summary>
    public static bool FrozenOnly(StrategyOptions s) => s is AutoOptions { Preset: AutoPreset.Fast };

    /// <summary>Feature extraction, and auto when it chooses feature extraction.</summary>
    public static readonly FlagScope Features = new(
        $"{StrategyRegistry.FeatureExtraction.Name} and auto",
        (s, _) => s is FeatureExtractionOptions or AutoOptions
    );

    /// <summary>The layers the head reads: feature extraction, the fine-tuning strategies, and auto.</summary>
    public static readonly FlagScope FeatureLayers = new(
        $"{StrategyRegistry.FeatureExtraction.Name}, the fine-tuning strategies ({StrategyRegistry.FineTune.Name}, "
            + $"{StrategyRegistry.LpFt.Name}, {StrategyRegistry.GradualUnfreeze.Name}, {StrategyRegistry.L2Sp.Name}) "
            + "and auto",
        (s, _) => s is FeatureExtractionOptions or FineTuningOptions or AutoOptions
    );

    /// <summary>Feature extraction only.</summary>
    public static readonly FlagScope FeatureExtraction = new(
        StrategyRegistry.FeatureExtraction.Name,
        (s, _) => s is FeatureExtractionOptions
    );

    /// <summary>fine-tune only.</summary>
    public static readonly FlagScope FineTune = new(StrategyRegistry.FineTune.Name, (s, _) => s is FineTuneOptions);

    /// <summary>bn-only only.</summary>
    public static readonly FlagScope BatchNormOnly = new(
        StrategyRegistry.BatchNormOnly.Name,
        (s, _) => s is BatchNormOnlyOptions
    );

    /// <summary>l2-sp only.</summary>
    public static readonly FlagScope L2Sp = new(StrategyRegistry.L2Sp.Name, (s, _) => s is L2SpOptions);

    /// <summary>auto only.</summary>
    public static readonly FlagScope Auto = new(StrategyRegistry.AutoName, (s, _) => s is AutoOptions);
}
