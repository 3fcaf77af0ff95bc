using System.CommandLine;
using TransferSharp.Adapters;
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Strategies.L2Sp;
using TransferSharp.Training;
using static TransferSharp.Cli.CommonOptions;

namespace TransferSharp.Cli.Commands;

/// <summary>
/// fit's options, by concern, each with the strategies it applies to; they bind into one <see cref="LearnerOptions"/>.
/// </summary>
internal sealed class FitFlags
{
    private readonly List<(string group, Option option, FlagScope scope)> all = new();

    public FitFlags()
    {
        const string data = "Data",
            model = "Model",
            run = "Run",
            training = "Training";
        Data = Add(data, CommonOptions.Data());
        Test = Add(
            data,
            Mapped(
                new Option<string?>("--test") { Description = "Separate labelled test set (same formats)." },
                "DataOptions.Test"
            )
        );
        ValFraction = Add(
            data,
            Mapped(
                new Option<double>("--val-fraction")
                {
                    Description = "Share held out for validation (stratified).",
                    DefaultValueFactory = _ => 0.1,
                },
                "DataOptions.ValidationFraction"
            )
        );
        SplitSeed = Add(
            data,
            Mapped(
                new Option<int?>("--split-seed")
                {
                    Description =
                        "Seed of the train/validation split (default: --seed): runs of several seeds that hold out the "
                        + "same images.",
                },
                "DataOptions.SplitSeed"
            )
        );
        SkipBad = Add(data, CommonOptions.SkipBad());
        ChannelsLast = Add(
            data,
            new Option<bool>("--channels-last") { Description = ".npy arrays are [H, W, C] (default [C, H, W])." }
        );
        CacheDir = Add(
            data,
            new Option<string?>("--cache-dir")
            {
                Description = "Feature cache folder (default ~/.cache/transfersharp).",
            }
        );
        CacheLimit = Add(data, CommonOptions.CacheLimit());
        NoCache = Add(
            data,
            new Option<bool>("--no-cache") { Description = "Do not read or write the on-disk feature cache." }
        );
        FeaturesFrom = Add(
            data,
            Mapped(
                new Option<string?>("--features-from")
                {
                    Description =
                        "A folder of feature shards written by `transfersharp extract --shard I/N` (one per "
                        + "worker): the head fits on them, the backbone runs only for images they lack.",
                },
                "DataOptions.FeaturesFrom"
            ),
            FlagScope.Features
        );
        Backbone = Add(model, CommonOptions.Backbone());
        Size = Add(model, CommonOptions.Size());
        foreach (Option option in Preprocessing.All)
            Add(model, option);
        Adapter = Add(
            model,
            Mapped(
                EnumValues.Option<AdapterKind>(
                    "--adapter",
                    "How C input channels reach the 3-channel "
                        + "backbone: copy/tile, adapt the first convolution, or a learnable 1x1 convolution trained "
                        + "with the head"
                ),
                "ModelOptions.Adapter"
            )
        );
        Tta = Add(
            model,
            new Option<bool>("--tta")
            {
                Description =
                    "Test-time augmentation: average each prediction with its mirror image's (kept by predict and "
                    + "evaluate).",
            }
        );
        Device = Add(
            model,
            new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" }
        );
        // Without --strategy: auto with the fast preset (frozen features from the advised layers), issue 18.
        Strategy = Add("Strategy", CommonOptions.Strategy(StrategyRegistry.AutoName));
        Epochs = Add(
            training,
            Mapped(
                new Option<int?>("--epochs")
                {
                    Description = "Training epochs (default 15; gradual-unfreeze at most 30).",
                },
                "TrainingOptions.Epochs"
            ),
            FlagScope.NetworkOrAdapter
        );
        BatchSize = Add(training, CommonOptions.BatchSize());
        Lr = Add(
            training,
            Mapped(
                new Option<double?>("--lr")
                {
                    Description =
                        "Top (head) learning rate. Default 1e-3 (1e-2 for bn-only and a frozen backbone's adapter).",
                },
                "TrainingOptions.LearningRate"
            ),
            FlagScope.NetworkOrAdapter
        );
        LrSpread = Add(
            training,
            Mapped(
                new Option<double?>("--lr-spread")
                {
                    Description =
                        "Geometric spread: the earliest group trains at lr / spread (fastai's slice). Default 10 (1 "
                        + "for bn-only and scratch).",
                },
                "TrainingOptions.LrSpread"
            ),
            FlagScope.Network
        );
        LayerDecay = Add(
            training,
            Mapped(
                new Option<double?>("--layer-decay")
                {
                    Description =
                        "timm-style layer decay (e.g. 0.7): each group decay times the next one up; overrides "
                        + "--lr-spread.",
                },
                "TrainingOptions.LayerDecay"
            ),
            FlagScope.Pretrained
        );
        Schedule = Add(
            training,
            Mapped(
                EnumValues.Option<ScheduleKind>(
                    "--schedule",
                    "Schedule: warm-up then cosine (default; constant for gradual-unfreeze), one-cycle or constant"
                ),
                "TrainingOptions.Schedule"
            ),
            FlagScope.Network
        );
        Warmup = Add(
            training,
            Mapped(
                new Option<double>("--warmup")
                {
                    Description = "Warm-up share of all steps.",
                    DefaultValueFactory = _ => 0.1,
                },
                "TrainingOptions.WarmupFraction"
            ),
            FlagScope.Network
        );
        Optimizer = Add(
            training,
            Mapped(
                EnumValues.Option<OptimizerKind>("--optimizer", "Optimizer (default adamw)"),
                "TrainingOptions.Optimizer"
            ),
            FlagScope.Network
        );
        OnNan = Add(
            training,
            Mapped(
                EnumValues.Option<NonFinitePolicy>(
                    "--on-nan",
                    "On a NaN or infinite loss or gradient: stop and keep the best checkpoint (default), or restore "
                        + "the "
                        + "state before the epoch and retry it at a tenth of the learning rate, up to three times"
                ),
                "TrainingOptions.OnNonFinite"
            ),
            FlagScope.Network
        );
        WeightDecay = Add(
            training,
            Mapped(
                new Option<double>("--weight-decay")
                {
                    Description = "Weight decay (not on biases or BatchNorm).",
                    DefaultValueFactory = _ => 0.05,
                },
                "TrainingOptions.WeightDecay"
            ),
            FlagScope.Network
        );
        Momentum = Add(
            training,
            Mapped(
                new Option<double>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => 0.9 },
                "TrainingOptions.Momentum"
            ),
            FlagScope.Network
        );
        Smoothing = Add(
            training,
            Mapped(
                new Option<double>("--label-smoothing")
                {
                    Description = "Label smoothing of the loss.",
                    DefaultValueFactory = _ => 0.1,
                },
                "TrainingOptions.LabelSmoothing"
            ),
            FlagScope.Network
        );
        Patience = Add(
            training,
            Mapped(
                new Option<int?>("--patience")
                {
                    Description =
                        "Early-stopping patience in epochs; gradual-unfreeze's per-stage patience (default 2).",
                },
                "TrainingOptions.Patience"
            ),
            FlagScope.Network
        );
        KeepLast = Add(
            training,
            new Option<bool>("--keep-last")
            {
                Description = "Keep the last epoch's weights instead of restoring the best validation epoch.",
            },
            FlagScope.Network
        );
        AverageLast = Add(
            training,
            Mapped(
                new Option<int?>("--average-last")
                {
                    Description = "Weight averaging (SWA): keep the mean of the weights of the last N epochs.",
                },
                "TrainingOptions.AverageLastEpochs"
            ),
            FlagScope.Network
        );
        Mixup = Add(
            training,
            Mapped(
                new Option<double>("--mixup")
                {
                    Description = "Mixup alpha (images and labels mixed in pairs); 0 = off.",
                    DefaultValueFactory = _ => 0,
                },
                "TrainingOptions.MixupAlpha"
            ),
            FlagScope.Network
        );
        Augment = Add(
            training,
            Mapped(
                EnumValues.Option<CropKind>("--augment", "Training crop (default pad-crop)"),
                "TrainingOptions.Augmentation.Crop"
            ),
            FlagScope.Network
        );
        NoFlip = Add(
            training,
            new Option<bool>("--no-flip")
            {
                Description = "No random horizontal flips (`advise` says when some class faces one way).",
            },
            FlagScope.Network
        );
        Erasing = Add(
            training,
            Mapped(
                new Option<double>("--random-erasing")
                {
                    Description =
                        "Probability of erasing a random rectangle of each training image (timm's --reprob; 0 = off); "
                        + "it keeps where objects sit.",
                },
                "TrainingOptions.Augmentation.Erasing"
            ),
            FlagScope.Network
        );
        BnStats = Add(
            training,
            Mapped(
                new Option<string?>("--bn-stats")
                {
                    Description =
                        "BatchNorm statistics while training: frozen (the running ones; lp-ft's default) or batch "
                        + "(each batch's; the others').",
                },
                "TrainingOptions.FreezeBatchNormStatistics"
            ),
            FlagScope.Network
        );
        AdapterRate = Add(
            training,
            Mapped(
                new Option<double?>("--adapter-lr-mult")
                {
                    Description =
                        "The conv1x1 adapter's learning rate as a multiple of the head's (default 30 for "
                        + "feature-extraction, 100 otherwise).",
                },
                "TrainingOptions.AdapterRateMultiplier"
            ),
            FlagScope.NetworkOrAdapter
        );
        AdapterEpochs = Add(
            training,
            Mapped(
                new Option<int?>("--adapter-epochs")
                {
                    Description =
                        "Epochs the conv1x1 adapter trains with LP-FT's probe head on the frozen backbone before "
                        + "fine-tuning (0 = none; default half of --epochs).",
                },
                "TrainingOptions.AdapterEpochs"
            ),
            FlagScope.LpFtAdapter
        );
        Deterministic = Add(
            training,
            new Option<bool>("--deterministic")
            {
                Description = "Deterministic training (one intra-op thread; slower).",
            }
        );
        Nchw = Add(
            training,
            new Option<bool>("--nchw")
            {
                Description =
                    "Train the convolutions in libtorch's default NCHW layout instead of channels-last (fp32; "
                    + "channels-last is oneDNN's layout and the faster step; results differ by float rounding only).",
            },
            FlagScope.Network
        );
        Precision = Add(
            training,
            EnumValues.Option<TrainingPrecision>(
                "--precision",
                "Arithmetic of the training step's convolutions: fp32, bf16 with fp32 master weights (BatchNorm, "
                    + "head, loss and optimizer in fp32; evaluation in fp32), or auto: bf16 where the CPU has "
                    + "AVX512_BF16 or AMX and bf16's error in the gradient is below the minibatch noise on 64 training "
                    + "images, else fp32 (the choice and the check in metrics.json training_precision)"
            )
        );
        Naive = Add(
            training,
            new Option<bool>("--naive")
            {
                Description =
                    "Benchmark baseline: the recipe run the plain way (no caching of frozen outputs, autograd "
                    + "through frozen parameters; lp-ft's probe as head-only epochs).",
            },
            FlagScope.Network
        );
        Features = Add(
            "Feature extraction",
            Mapped(
                new Option<string?>("--features")
                {
                    Description =
                        "Features from these layer groups' pooled outputs, concatenated, e.g. stage3,stage4 "
                        + "(default: the last group; `advise` scores every group). Fine-tuning strategies' head "
                        + "reads them too, and the groups after the last one named are left out.",
                },
                "FeatureExtractionOptions.Features"
            ),
            FlagScope.FeatureLayers
        );
        FeatureGrid = Add(
            "Feature extraction",
            Mapped(
                new Option<int>("--feature-grid")
                {
                    Description =
                        "Pool intermediate groups over a g x g grid of cells instead of globally (where a pattern "
                        + "sits survives).",
                    DefaultValueFactory = _ => 1,
                },
                "FeatureExtractionOptions.FeatureGrid"
            ),
            FlagScope.FeatureLayers
        );
        HeadSteps = Add(
            "Feature extraction",
            Mapped(
                new Option<int>("--head-steps")
                {
                    Description = "Full-batch steps of the logistic-regression head.",
                    DefaultValueFactory = _ => 300,
                },
                "FeatureExtractionOptions.HeadSteps"
            ),
            FlagScope.Features
        );
        HeadSolver = Add(
            "Feature extraction",
            Mapped(
                EnumValues.Option<HeadSolver>(
                    "--head-solver",
                    "Head solver: lbfgs to convergence along the penalty path (default), or adam's fixed steps"
                ),
                "FeatureExtractionOptions.HeadSolver"
            ),
            FlagScope.Features
        );
        FrozenPrecision = Add(
            "Feature extraction",
            Mapped(
                EnumValues.Option<FrozenPrecision>(
                    "--frozen-precision",
                    "Arithmetic of the frozen pass (feature extraction, and auto's frozen candidates); int8 runs on "
                        + "ONNX Runtime, calibrated on the training images, and is used only when a probe on its "
                        + "features scores within 0.3 points of fp32's"
                ),
                "FeatureExtractionOptions.Precision"
            ),
            FlagScope.Features
        );
        FreezeTo = Add(
            StrategyRegistry.FineTune.Name,
            Mapped(
                new Option<int>("--freeze-to")
                {
                    Description = "Keep backbone groups below K frozen (0 = train all; groups: stem, stage1..4).",
                    DefaultValueFactory = _ => 0,
                },
                "FineTuneOptions.FreezeTo"
            ),
            FlagScope.FineTune
        );
        AdaBn = Add(
            StrategyRegistry.BatchNormOnly.Name,
            new Option<bool>("--adabn")
            {
                Description = "Re-estimate BatchNorm statistics on the training images first (AdaBN).",
            },
            FlagScope.BatchNormOnly
        );
        Alpha = Add(
            StrategyRegistry.L2Sp.Name,
            Mapped(
                new Option<double>("--l2sp-alpha")
                {
                    Description = "Pull toward the pretrained weights.",
                    DefaultValueFactory = _ => 0.01,
                },
                "L2SpOptions.Alpha"
            ),
            FlagScope.L2Sp
        );
        Beta = Add(
            StrategyRegistry.L2Sp.Name,
            Mapped(
                new Option<double>("--l2sp-beta") { Description = "L2 on the head.", DefaultValueFactory = _ => 0.01 },
                "L2SpOptions.Beta"
            ),
            FlagScope.L2Sp
        );
        Pilot = Add(
            StrategyRegistry.AutoName,
            new Option<bool>("--pilot")
            {
                Description =
                    "Short pilots of the advised strategy and its two best alternatives; an alternative replaces "
                    + "the advice only when it wins on validation by more than one standard error of the "
                    + "difference.",
            },
            FlagScope.Auto
        );
        Preset = Add(
            StrategyRegistry.AutoName,
            Mapped(
                EnumValues.Option<AutoPreset>(
                    "--preset",
                    "What auto tries, cheapest first, keeping the best on validation: fast = frozen features from the "
                        + "advised layers (the default of fit without --strategy), balanced = + the advised network "
                        + "strategy, best = + a second one and longer schedules"
                ),
                "AutoOptions.Preset"
            ),
            FlagScope.Auto
        );
        TimeLimit = Add(
            StrategyRegistry.AutoName,
            Mapped(
                new Option<TimeSpan?>("--time-limit")
                {
                    Description =
                        "Wall-time budget of auto (90s, 20m, 1h30m, or hh:mm:ss); without --preset: balanced. "
                        + "Candidates that cannot finish are skipped, the best finished model is kept.",
                    CustomParser = result => Durations.Parse(result, "--time-limit"),
                },
                "AutoOptions.TimeLimit"
            ),
            FlagScope.Auto
        );
        NoEnsemble = Add(
            StrategyRegistry.AutoName,
            Mapped(
                new Option<bool>("--no-ensemble")
                {
                    Description =
                        "Keep the best single candidate of a preset (by default the final model may be a weighted "
                        + "average of the candidates trained, kept only when it beats the best single one on held-out "
                        + "images beyond noise).",
                },
                "AutoOptions.Ensemble"
            ),
            FlagScope.Auto
        );
        KeepFlips = Add(
            StrategyRegistry.AutoName,
            Mapped(
                new Option<bool>("--keep-flips")
                {
                    Description =
                        "Keep random horizontal flips in auto's network candidates even when some class faces one "
                        + "way (by default auto follows the advice and trains them without flips).",
                },
                "AutoOptions.FollowFlipAdvice"
            ),
            FlagScope.Auto
        );
        KeepShifts = Add(
            StrategyRegistry.AutoName,
            Mapped(
                new Option<bool>("--keep-shifts")
                {
                    Description =
                        "Keep random shifts (the pad-and-crop augmentation) in auto's network candidates even when "
                        + "the images are aligned (by default auto follows the advice and trains them without).",
                },
                "AutoOptions.FollowShiftAdvice"
            ),
            FlagScope.Auto
        );
        PilotEpochs = Add(
            StrategyRegistry.AutoName,
            Mapped(
                new Option<int>("--pilot-epochs")
                {
                    Description =
                        "Epochs of each network pilot (together on at most 30 % of the full run's image-steps).",
                    DefaultValueFactory = _ => 2,
                },
                "AutoOptions.PilotEpochs"
            ),
            FlagScope.Auto
        );
        Analyze = Add(
            "Analyses",
            new Option<bool>("--analyze")
            {
                Description =
                    "Also the frequency analysis of the backbone against the training images (frequency.png). The "
                    + "domain distance and the first-layer filters are always measured.",
            }
        );
        Seed = Add(run, CommonOptions.Seed());
        Output = Add(run, Out("Run folder for the model, its config and metrics.json.", required: false));
        Overwrite = Add(
            run,
            new Option<bool>("--overwrite")
            {
                Description =
                    "Replace the run (or the interrupted fit's checkpoints) in --out; the old run stays intact until "
                    + "the new one is complete.",
            }
        );
        CheckpointEvery = Add(
            run,
            new Option<double>("--checkpoint-every")
            {
                Description =
                    "Minutes between checkpoints within an epoch (they are always saved at the end of each); 0 saves "
                    + "after every batch.",
                DefaultValueFactory = _ => 10,
            }
        );
        Resume = Add(
            run,
            new Option<string?>("--resume")
            {
                Description =
                    "Continue the interrupted fit of this run folder from its last checkpoint (saved after every "
                    + "epoch), with the options it was started with; options given again must be the same.",
            }
        );
        Flags.Map("AutoOptions.FeatureGrid", "--feature-grid");
    }

    public Option<string?> Data { get; }
    public Option<string?> Test { get; }
    public Option<double> ValFraction { get; }
    public Option<int?> SplitSeed { get; }
    public Option<bool> SkipBad { get; }
    public Option<bool> ChannelsLast { get; }
    public Option<string?> CacheDir { get; }
    public Option<string?> FeaturesFrom { get; }
    public Option<bool> NoCache { get; }
    public Option<string?> CacheLimit { get; }
    public Option<string> Backbone { get; }
    public Option<int?> Size { get; }
    public PreprocessingFlags Preprocessing { get; } = new();
    public Option<AdapterKind?> Adapter { get; }
    public Option<bool> Tta { get; }
    public Option<string> Device { get; }
    public Option<string> Strategy { get; }
    public Option<int?> Epochs { get; }
    public Option<int> BatchSize { get; }
    public Option<double?> Lr { get; }
    public Option<double?> LrSpread { get; }
    public Option<double?> LayerDecay { get; }
    public Option<ScheduleKind?> Schedule { get; }
    public Option<double> Warmup { get; }
    public Option<OptimizerKind?> Optimizer { get; }
    public Option<double> WeightDecay { get; }
    public Option<NonFinitePolicy?> OnNan { get; }
    public Option<double> Momentum { get; }
    public Option<double> Smoothing { get; }
    public Option<int?> Patience { get; }
    public Option<bool> KeepLast { get; }
    public Option<int?> AverageLast { get; }
    public Option<double> Mixup { get; }
    public Option<CropKind?> Augment { get; }
    public Option<bool> NoFlip { get; }
    public Option<double> Erasing { get; }
    public Option<string?> BnStats { get; }
    public Option<double?> AdapterRate { get; }
    public Option<int?> AdapterEpochs { get; }
    public Option<bool> Deterministic { get; }
    public Option<bool> Nchw { get; }
    public Option<bool> Naive { get; }
    public Option<string?> Features { get; }
    public Option<int> FeatureGrid { get; }
    public Option<int> HeadSteps { get; }
    public Option<HeadSolver?> HeadSolver { get; }

    public Option<FrozenPrecision?> FrozenPrecision { get; }
    public Option<TrainingPrecision?> Precision { get; }
    public Option<int> FreezeTo { get; }
    public Option<bool> AdaBn { get; }
    public Option<double> Alpha { get; }
    public Option<double> Beta { get; }
    public Option<bool> Pilot { get; }
    public Option<AutoPreset?> Preset { get; }
    public Option<TimeSpan?> TimeLimit { get; }
    public Option<bool> NoEnsemble { get; }
    public Option<bool> KeepFlips { get; }
    public Option<bool> KeepShifts { get; }
    public Option<int> PilotEpochs { get; }
    public Option<bool> Analyze { get; }
    public Option<int> Seed { get; }
    public Option<string> Output { get; }
    public Option<bool> Overwrite { get; }
    public Option<string?> Resume { get; }
    public Option<double> CheckpointEvery { get; }

    /// <summary>Every option with its help group and the strategies it applies to.</summary>
    public IReadOnlyList<(string group, Option option, FlagScope scope)> All => all;

    /// <summary>The options the command line asks for; an option given for a strategy it does not apply to is an
    /// error.</summary>
    public LearnerOptions Bind(ParseResult parse)
    {
        var options = new LearnerOptions
        {
            Data = BindData(parse),
            Model = BindModel(parse),
            Training = BindTraining(parse),
            Strategy = BindStrategy(parse),
            Seed = parse.GetValue(Seed),
            Analyses = new AnalysisOptions
            {
                DomainDistance = true,
                Filters = true,
                Frequency = parse.GetValue(Analyze),
            },
        };
        foreach (var (_, option, scope) in all)
            if (parse.GetResult(option) is { Implicit: false } && !scope.Applies(options.Strategy, options.Model))
                throw new OptionException(
                    option.Name,
                    FlagScope.FrozenOnly(options.Strategy)
                        ? $"applies to {scope.Text}; fit's default (and --preset fast) trains no network, only a head "
                            + "on frozen features: add --preset balanced or name a --strategy."
                        : $"applies to {scope.Text}, not to --strategy {StrategyRegistry.NameOf(options.Strategy)}."
                );
        return options;
    }

    private DataOptions BindData(ParseResult parse) =>
        new()
        {
            Train = parse.GetValue(Data),
            Test = parse.GetValue(Test),
            ValidationFraction = parse.GetValue(ValFraction),
            SplitSeed = parse.GetValue(SplitSeed),
            SkipBad = parse.GetValue(SkipBad),
            ChannelsLast = parse.GetValue(ChannelsLast),
            CacheDirectory = parse.GetValue(CacheDir),
            FeaturesFrom = parse.GetValue(FeaturesFrom),
            UseCache = !parse.GetValue(NoCache),
            CacheLimitBytes = CommonOptions.Bytes("--cache-limit", parse.GetValue(CacheLimit)),
        };

    private ModelOptions BindModel(ParseResult parse) =>
        new()
        {
            Backbone = parse.GetValue(Backbone)!,
            Size = parse.GetValue(Size),
            Preprocessing = Preprocessing.Read(parse),
            Adapter = parse.GetValue(Adapter) ?? AdapterKind.Replicate,
            TestTimeAugmentation = parse.GetValue(Tta),
            Device = parse.GetValue(Device)!,
        };

    private TrainingOptions BindTraining(ParseResult parse)
    {
        var defaults = new TrainingOptions();
        return new TrainingOptions
        {
            Epochs = parse.GetValue(Epochs),
            BatchSize = parse.GetValue(BatchSize),
            LearningRate = parse.GetValue(Lr),
            LrSpread = parse.GetValue(LrSpread),
            LayerDecay = parse.GetValue(LayerDecay),
            Schedule = parse.GetValue(Schedule),
            WarmupFraction = parse.GetValue(Warmup),
            Optimizer = parse.GetValue(Optimizer) ?? defaults.Optimizer,
            WeightDecay = parse.GetValue(WeightDecay),
            Momentum = parse.GetValue(Momentum),
            LabelSmoothing = parse.GetValue(Smoothing),
            Patience = parse.GetValue(Patience),
            RestoreBest = !parse.GetValue(KeepLast),
            AverageLastEpochs = parse.GetValue(AverageLast),
            AdapterRateMultiplier = parse.GetValue(AdapterRate),
            AdapterEpochs = parse.GetValue(AdapterEpochs),
            MixupAlpha = parse.GetValue(Mixup),
            Augmentation = new AugmentationOptions
            {
                Crop = parse.GetValue(Augment) ?? defaults.Augmentation.Crop,
                HorizontalFlip = !parse.GetValue(NoFlip),
                Erasing = parse.GetValue(Erasing),
            },
            FreezeBatchNormStatistics = BatchNormStatistics(parse.GetValue(BnStats)),
            Deterministic = parse.GetValue(Deterministic),
            ChannelsLastConvolutions = !parse.GetValue(Nchw),
            Precision = parse.GetValue(Precision) ?? TrainingPrecision.Fp32,
            OnNonFinite = parse.GetValue(OnNan) ?? NonFinitePolicy.Stop,
            Naive = parse.GetValue(Naive),
        };
    }

    private StrategyOptions BindStrategy(ParseResult parse)
    {
        IReadOnlyList<string>? layers = parse
            .GetValue(Features)
            ?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        StrategyOptions options = StrategyRegistry.Parse(parse.GetValue(Strategy)!) switch
        {
            FeatureExtractionOptions fe => fe with
            {
                Features = layers,
                FeatureGrid = parse.GetValue(FeatureGrid),
                HeadSteps = parse.GetValue(HeadSteps),
                HeadSolver = parse.GetValue(HeadSolver) ?? fe.HeadSolver,
                Precision = parse.GetValue(FrozenPrecision) ?? fe.Precision,
            },
            FineTuneOptions fine => fine with { FreezeTo = parse.GetValue(FreezeTo) },
            BatchNormOnlyOptions bn => bn with { AdaBn = parse.GetValue(AdaBn) },
            L2SpOptions l2 => l2 with { Alpha = parse.GetValue(Alpha), Beta = parse.GetValue(Beta) },
            AutoOptions auto => auto with
            {
                Pilot = parse.GetValue(Pilot),
                PilotEpochs = parse.GetValue(PilotEpochs),
                Features = layers,
                FeatureGrid = parse.GetValue(FeatureGrid),
                HeadSteps = parse.GetValue(HeadSteps),
                HeadSolver = parse.GetValue(HeadSolver) ?? auto.HeadSolver,
                FrozenPrecision = parse.GetValue(FrozenPrecision) ?? auto.FrozenPrecision,
                TimeLimit = parse.GetValue(TimeLimit),
                Preset = PresetOf(parse),
                Ensemble = !parse.GetValue(NoEnsemble),
                FollowFlipAdvice = !parse.GetValue(KeepFlips),
                FollowShiftAdvice = !parse.GetValue(KeepShifts),
            },
            var other => other,
        };
        // Every fine-tuning strategy's head reads the layers named, as feature extraction's does.
        return options is FineTuningOptions tuning
            ? tuning with
            {
                Features = layers,
                FeatureGrid = parse.GetValue(FeatureGrid),
            }
            : options;
    }

    // --preset as given; without it, fit's default (no --strategy, no --pilot) is fast, and a time limit alone means
    // balanced. `--strategy auto` alone keeps the advisor's single choice.
    private AutoPreset? PresetOf(ParseResult parse)
    {
        if (parse.GetValue(Preset) is { } preset)
            return preset;
        if (parse.GetValue(TimeLimit) is not null)
            return AutoPreset.Balanced;
        bool strategyGiven = parse.GetResult(Strategy) is { Implicit: false };
        return strategyGiven || parse.GetValue(Pilot) ? null : AutoPreset.Fast;
    }

    /// <summary>--bn-stats: frozen, batch, or absent (the strategy's default).</summary>
    private static bool? BatchNormStatistics(string? value) =>
        value?.ToLowerInvariant() switch
        {
            null => null,
            "frozen" => true,
            "batch" => false,
            _ => throw new OptionException(
                "TrainingOptions.FreezeBatchNormStatistics",
                value,
                "expected frozen or batch."
            ),
        };

    private T Add<T>(string group, T option, FlagScope? scope = null)
        where T : Option
    {
        all.Add((group, option, scope ?? FlagScope.All));
        return option;
    }
}
