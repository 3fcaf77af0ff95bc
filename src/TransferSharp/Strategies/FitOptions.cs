using TransferSharp.Backbones;
using TransferSharp.Training;

namespace TransferSharp.Strategies;

/// <summary>An option value out of its allowed range; the message names the option and the range.</summary>
public sealed class OptionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OptionException(string message) : base(message) { }
}

/// <summary>
/// Everything a <c>fit</c> run needs. Immutable: the CLI binds values into it and <see cref="Validate"/> checks them once.
/// </summary>
public sealed record FitOptions
{
    /// <summary>Training data: an image folder, a CSV of path,label, or IDX files. Null: the embedded Fashion-MNIST subset.</summary>
    public string? Data { get; init; }
    /// <summary>Optional separate test set (same formats). Null with <see cref="Data"/> null: the embedded test subset.</summary>
    public string? Test { get; init; }
    /// <summary>The strategy name (see <see cref="StrategyCatalog"/>). Default feature-extraction.</summary>
    public string Strategy { get; init; } = StrategyCatalog.FeatureExtraction;
    /// <summary>The registered backbone. Default resnet18-imagenet.</summary>
    public string Backbone { get; init; } = Registry.DefaultName;
    /// <summary>Input size; null = the backbone's own.</summary>
    public int? Size { get; init; }
    /// <summary>Training length: epochs; full-batch steps of the head for feature extraction (default 300). With <see cref="StrategyCatalog.Auto"/> it applies to network strategies only.</summary>
    public int? Epochs { get; init; }
    /// <summary>Seed of the split, initialisation and shuffling. Default 0.</summary>
    public int Seed { get; init; }
    /// <summary>The run folder (created; must be writable).</summary>
    public required string Output { get; init; }
    /// <summary>Share of the training data held out for validation (stratified). Default 0.1.</summary>
    public double ValidationFraction { get; init; } = 0.1;
    /// <summary>Images per backbone pass. Default 32.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Skip undecodable images (listed in the run record) instead of stopping.</summary>
    public bool SkipBad { get; init; }
    /// <summary>cpu, cuda or cuda:N. Default cpu.</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>Feature cache folder; null = the default (~/.cache/transfersharp).</summary>
    public string? CacheDirectory { get; init; }
    /// <summary>Use the on-disk feature cache. Default true.</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>The feature cache folder to use, or null when caching is off.</summary>
    public string? ResolveCacheDirectory() => UseCache ? CacheDirectory ?? TransferSharp.Training.FeatureCache.DefaultDirectory() : null;
    /// <summary>The fit loop's options (network-training strategies). Epochs and seed are taken from this record's own values.</summary>
    public TrainingOptions Training { get; init; } = new();
    /// <summary>Top (head) learning rate; null = the strategy's default (1e-2 for bn-only, whose few BatchNorm parameters need larger steps; 1e-3 otherwise).</summary>
    public double? LearningRate { get; init; }
    /// <summary>Geometric learning-rate spread across groups; null = the strategy's default (1 for bn-only and scratch, else <see cref="TrainingOptions.LrSpread"/>).</summary>
    public double? LrSpread { get; init; }
    /// <summary>fine-tune: groups below this index stay frozen (0 = all train).</summary>
    public int FreezeTo { get; init; }
    /// <summary>l2-sp: strength of the pull toward the pretrained backbone weights. Default 0.01.</summary>
    public double L2SpAlpha { get; init; } = 0.01;
    /// <summary>l2-sp: L2 strength on the head's weights. Default 0.01.</summary>
    public double L2SpBeta { get; init; } = 0.01;
    /// <summary>Test-time augmentation: predictions average the logits of each image and its mirror image (also in predict and evaluate). Default false.</summary>
    public bool TestTimeAugmentation { get; init; }
    /// <summary>
    /// BatchNorm statistics while the network trains: true = the running statistics, frozen (a head fitted on the
    /// frozen features keeps seeing them); false = each batch's, running statistics updated; null = the strategy's
    /// default (frozen for lp-ft, batch statistics otherwise).
    /// </summary>
    public bool? FreezeBatchNormStatistics { get; init; }
    /// <summary>Re-estimate BatchNorm statistics on the training images before training (AdaBN).</summary>
    public bool AdaBn { get; init; }
    /// <summary>The conv1x1 adapter's rate as a multiple of the head's; null = the strategy's default (30 for feature extraction, whose head starts at 1e-2 there; 100 otherwise).</summary>
    public double? AdapterRateMultiplier { get; init; }
    /// <summary>How the input's channels reach the backbone. Default replicate.</summary>
    public Adapters.AdapterKind Adapter { get; init; } = Adapters.AdapterKind.Replicate;
    /// <summary>Also run the frequency analysis (backbone response against the training images' spectrum) into the run record.</summary>
    public bool Analyze { get; init; }
    /// <summary>.npy arrays are [H, W, C] rather than [C, H, W].</summary>
    public bool ChannelsLast { get; init; }
    /// <summary>
    /// Benchmark baseline (issue 7's time-to-accuracy): run the recipe the plain way. Frozen passes on TorchSharp (no ONNX
    /// Runtime), no frozen-prefix caching, autograd through frozen parameters (their gradients computed, then discarded),
    /// default memory layout; LP-FT's linear probe becomes <see cref="NaiveProbeEpochs"/>
    /// epochs of head training through the whole network (features recomputed every epoch) instead of a probe on
    /// features computed once. Same results to expect, more time. Default false.
    /// </summary>
    public bool Naive { get; init; }
    /// <summary>
    /// Feature extraction from these layer groups' pooled outputs, concatenated (e.g. stage3, stage4); null = the last
    /// group (the network's own features). Only with the feature-extraction strategy.
    /// </summary>
    public IReadOnlyList<string>? Features { get; init; }
    /// <summary>
    /// With intermediate <see cref="Features"/>: pool each intermediate group over a g x g grid of cells instead of
    /// globally (channels x g x g features), so that where a pattern sits survives (a collar, a sleeve). Default 1.
    /// </summary>
    public int FeatureGrid { get; init; } = 1;
    /// <summary>
    /// With <see cref="StrategyCatalog.Auto"/>: short pilot runs (<see cref="PilotEpochs"/> epochs, no test set) of the
    /// advised strategy and its first two alternatives on the same training/validation split; the one with the best
    /// validation accuracy is then run in full. The run record keeps the pilots' scores and times. Default false.
    /// </summary>
    public bool Pilot { get; init; }
    /// <summary>
    /// Fewest validation images for pilots: below it they are skipped (the reason recorded) and the advised strategy
    /// runs. The standard error of an accuracy near 0.8 measured on n images is sqrt(0.16 / n): 13 points on 10 images,
    /// 5.7 on 50, 4 on 100. Default 50.
    /// </summary>
    public int PilotMinimumValidation { get; init; } = 50;
    /// <summary>Share of the training split that is trained on (the rest is left out; validation unchanged): pilots of short runs. Default 1.</summary>
    public double TrainFraction { get; init; } = 1;
    /// <summary>Epochs of each pilot run (feature extraction's head fit is not cut short). Default 2.</summary>
    public int PilotEpochs { get; init; } = 2;
    /// <summary>With <see cref="Naive"/>: epochs of LP-FT's head-only stage. Default 10.</summary>
    public int NaiveProbeEpochs { get; init; } = 10;

    /// <summary>
    /// Whether the run uses the channel pipeline (raw channels standardised per channel with training statistics): for
    /// .npy data, and for the weight-sum and conv1x1 adapters on any data.
    /// </summary>
    public bool UsesChannelPipeline(Data.ImageDataset data) =>
        Adapter != Adapters.AdapterKind.Replicate || data.Items.Any(i => i.Source is Data.IChannelSource);

    /// <summary>Checks every value; throws <see cref="OptionException"/> naming the first bad option and its allowed range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Output)) throw new OptionException("--out: a run folder is required.");
        if (Size is { } size && (size < 32 || size > 1024)) throw new OptionException($"--size {size}: must be between 32 and 1024.");
        if (Epochs is { } epochs && (epochs < 1 || epochs > 100_000)) throw new OptionException($"--epochs {epochs}: must be between 1 and 100000.");
        if (ValidationFraction <= 0 || ValidationFraction >= 0.9) throw new OptionException($"--val-fraction {ValidationFraction}: must be in (0, 0.9).");
        if (BatchSize < 1 || BatchSize > 4096) throw new OptionException($"--batch-size {BatchSize}: must be between 1 and 4096.");
        if (Strategy != StrategyCatalog.Auto) StrategyCatalog.Check(Strategy);
        Registry.Get(Backbone);
        if (Pilot && Strategy != StrategyCatalog.Auto) throw new OptionException($"--pilot: pilots choose among the advisor's candidates; use it with --strategy auto (not {Strategy}).");
        if (PilotMinimumValidation < 0) throw new OptionException($"pilot minimum validation {PilotMinimumValidation}: must be at least 0.");
        if (!(TrainFraction > 0 && TrainFraction <= 1)) throw new OptionException($"train fraction {TrainFraction}: must be in (0, 1].");
        if (PilotEpochs < 1 || PilotEpochs > 100) throw new OptionException($"--pilot-epochs {PilotEpochs}: must be between 1 and 100.");
        if (Features is { } layers && Strategy != StrategyCatalog.FeatureExtraction)
            throw new OptionException($"--features {string.Join(",", layers)}: intermediate-layer features are an option of feature extraction (--strategy feature-extraction), not of {Strategy}.");
        if (FeatureGrid < 1 || FeatureGrid > Backbones.Backbone.MaxFeatureGrid) throw new OptionException($"--feature-grid {FeatureGrid}: must be between 1 and {Backbones.Backbone.MaxFeatureGrid}.");
        if (FeatureGrid > 1 && Features is null && Strategy != StrategyCatalog.Auto)
            throw new OptionException($"--feature-grid {FeatureGrid}: grid pooling applies to intermediate feature groups; name them with --features (e.g. --features stage3).");
        if (FreezeTo < 0 || FreezeTo > 5) throw new OptionException($"--freeze-to {FreezeTo}: must be between 0 and the number of backbone groups (5 for resnet18).");
        if (L2SpAlpha < 0 || L2SpAlpha > 100) throw new OptionException($"--l2sp-alpha {L2SpAlpha}: must be between 0 and 100.");
        if (L2SpBeta < 0 || L2SpBeta > 100) throw new OptionException($"--l2sp-beta {L2SpBeta}: must be between 0 and 100.");
        // The top-level overrides are checked by the same rules as the fit loop's own options.
        try { (Training with { LearningRate = LearningRate ?? Training.LearningRate, LrSpread = LrSpread ?? Training.LrSpread, AdapterRateMultiplier = AdapterRateMultiplier ?? Training.AdapterRateMultiplier }).Validate(); }
        catch (ArgumentOutOfRangeException e) { throw new OptionException(e.Message.Split(" (Parameter")[0]); }
    }
}

/// <summary>The strategies TransferSharp offers.</summary>
public static class StrategyCatalog
{
    /// <summary>Frozen backbone, features cached, a logistic-regression head.</summary>
    public const string FeatureExtraction = "feature-extraction";

    /// <summary>Every strategy name with a one-line description.</summary>
    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>
    {
        [FeatureExtraction] = "frozen backbone, features computed once and cached, multinomial logistic-regression head",
        [FineTune] = "all groups train (or --freeze-to K), discriminative learning rates, warm-up then cosine or one-cycle",
        [GradualUnfreeze] = "head first, then one group down each time validation plateaus; rolls back when a deeper unfreeze hurts",
        [BatchNormOnly] = "only BatchNorm affine parameters and the head train (--adabn re-estimates BN statistics first)",
        [AdaBatchNorm] = "AdaBN: BatchNorm statistics re-estimated on the training images, then a frozen head-only fit",
        [L2Sp] = "fine-tune with alpha/2 ||w - w_pretrained||^2 on the backbone and beta/2 ||w||^2 on the head",
        [LinearProbeThenFineTune] = "linear probe on cached features, then fine-tune everything starting from that head",
        [Scratch] = "baseline: the same network from random initialisation, same budget",
    };

    /// <summary>
    /// Not a strategy but a request for one: the advisor (<c>Analysis.StrategyAdvisor</c>) measures N, P/N, d, the
    /// frequency verdict, the channels and LogME per layer group on the training data and picks the strategy (and, for
    /// feature extraction, the feature layers); the run record keeps the advice.
    /// </summary>
    public const string Auto = "auto";
    /// <summary>Fine-tuning.</summary>
    public const string FineTune = "fine-tune";
    /// <summary>Gradual unfreezing.</summary>
    public const string GradualUnfreeze = "gradual-unfreeze";
    /// <summary>BatchNorm-only.</summary>
    public const string BatchNormOnly = "bn-only";
    /// <summary>AdaBN then a head.</summary>
    public const string AdaBatchNorm = "adabn";
    /// <summary>L2-SP.</summary>
    public const string L2Sp = "l2-sp";
    /// <summary>LP-FT.</summary>
    public const string LinearProbeThenFineTune = "lp-ft";
    /// <summary>From scratch.</summary>
    public const string Scratch = "scratch";

    /// <summary>Throws <see cref="OptionException"/> listing the strategies when <paramref name="name"/> is not one.</summary>
    public static void Check(string name)
    {
        if (!All.ContainsKey(name))
            throw new OptionException($"--strategy '{name}': no such strategy. Available: {string.Join(", ", All.Keys)}, or {Auto} (the advisor picks).");
    }
}
