using TransferSharp.Backbones;
using TransferSharp.Data;

namespace TransferSharp.Multimodal;

/// <summary>What a multimodal fit reads and trains: a CSV of image paths, labels and record columns.</summary>
public sealed record MultimodalOptions
{
    /// <summary>The training CSV: an image path column (relative to the CSV's folder), a label column, the record's
    /// columns.</summary>
    public required string Data { get; init; }

    /// <summary>A labelled test CSV with the same columns (optional).</summary>
    public string? Test { get; init; }

    /// <summary>The image path column ("image"; "path" when the CSV has no "image").</summary>
    public string ImageColumn { get; init; } = "image";

    /// <summary>The label column.</summary>
    public string LabelColumn { get; init; } = "label";

    /// <summary>The record's columns, comma-separated (null: every column but the image and the label).</summary>
    public string? Columns { get; init; }

    /// <summary>Column kinds given by hand; the others are inferred on the training split.</summary>
    public IReadOnlyDictionary<string, ColumnKind> ColumnKinds { get; init; } =
        new Dictionary<string, ColumnKind>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The most one-hot slots of a categorical column (its most frequent values; others are
    /// "unknown").</summary>
    public int CategoricalLimit { get; init; } = 32;

    /// <summary>The share held out for validation (stratified): it picks the model and the epochs.</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>The backbone (registered name or ONNX file).</summary>
    public string Backbone { get; init; } = Registry.DefaultName;

    /// <summary>The input size (default: the backbone's).</summary>
    public int? Size { get; init; }

    /// <summary>Layer groups whose pooled features the image branch reads (null: the last).</summary>
    public IReadOnlyList<string>? FeatureLayers { get; init; }

    /// <summary>A strategy that tunes the image branch first (a `fit` on the training split's images and labels);
    /// null: the pretrained backbone, frozen.</summary>
    public string? ImageStrategy { get; init; }

    /// <summary>Epochs of that fit (null: the strategy's default).</summary>
    public int? ImageEpochs { get; init; }

    /// <summary>Epochs of joint tuning after the fusion network has learnt on frozen features: the backbone, the record
    /// branch and the fusion head trained together, end to end (0: off).</summary>
    public int JointEpochs { get; init; }

    /// <summary>The fusion head's rate in joint tuning; the backbone's last group runs at this times <see
    /// cref="JointLayerDecay"/>, each earlier group a further decay down.</summary>
    public double JointRate { get; init; } = 1e-4;

    /// <summary>The ratio of each backbone group's rate to the next group's in joint tuning.</summary>
    public double JointLayerDecay { get; init; } = 0.5;

    /// <summary>The record branch's rate in joint tuning (null: <see cref="JointRate"/>).</summary>
    public double? RecordRate { get; init; }

    /// <summary>Joint tuning unfreezes the backbone top down, one more layer group an epoch (false: all from the first
    /// epoch).</summary>
    public bool JointGradual { get; init; } = true;

    /// <summary>The candidates trained; the one best on validation is kept.</summary>
    public IReadOnlyList<FusionKind> Candidates { get; init; } = Enum.GetValues<FusionKind>();

    /// <summary>While training the fusion models, the chance that a row loses its image (and, as often, its
    /// record), so that a missing modality at predict time still predicts.</summary>
    public double ModalityDropout { get; init; } = 0.2;

    /// <summary>The most epochs of each network (the best on validation is kept).</summary>
    public int Epochs { get; init; } = 120;

    /// <summary>Epochs without a better validation accuracy before a network stops.</summary>
    public int Patience { get; init; } = 25;

    /// <summary>The MLP's hidden width.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>Dropout of the MLP's hidden layer.</summary>
    public double Dropout { get; init; } = 0.3;

    /// <summary>AdamW's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>AdamW's weight decay.</summary>
    public double WeightDecay { get; init; } = 1e-2;

    /// <summary>Mini-batch size of the networks and of the frozen pass.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The seed of the split, the initialisation, the batches and modality dropout.</summary>
    public int Seed { get; init; }

    /// <summary>The feature cache folder (null: none).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Shuffles per column in the permutation importance.</summary>
    public int ImportanceRepeats { get; init; } = 3;

    /// <summary>Checks the values; a bad one is an <see cref="OptionException"/> naming the flag.</summary>
    public void Validate()
    {
        if (ValidationFraction is <= 0 or >= 1)
            throw new OptionException("--val-fraction", ValidationFraction, "must be between 0 and 1 (exclusive).");
        if (ModalityDropout is < 0 or > 0.5)
            throw new OptionException("--modality-dropout", ModalityDropout, "must be between 0 and 0.5.");
        if (CategoricalLimit < 1)
            throw new OptionException("--categorical-limit", CategoricalLimit, "must be at least 1.");
        if (Epochs < 1)
            throw new OptionException("--epochs", Epochs, "must be at least 1.");
        if (Hidden < 1)
            throw new OptionException("--hidden", Hidden, "must be at least 1.");
        if (BatchSize < 1)
            throw new OptionException("--batch-size", BatchSize, "must be at least 1.");
        if (JointEpochs < 0)
            throw new OptionException("--joint-epochs", JointEpochs, "must be 0 (off) or more.");
        if (JointRate is <= 0 or > 1)
            throw new OptionException("--joint-rate", JointRate, "must be above 0 and at most 1.");
        if (RecordRate is <= 0 or > 1)
            throw new OptionException("--record-rate", RecordRate, "must be above 0 and at most 1.");
        if (JointLayerDecay is <= 0 or > 1)
            throw new OptionException("--joint-layer-decay", JointLayerDecay, "must be above 0 and at most 1.");
        if (Candidates.Count == 0)
            throw new OptionException("--models", "name at least one model.");
        if (ImageStrategy is not null)
            Strategies.StrategyRegistry.Parse(ImageStrategy);
        if (ImageStrategy is not null && FeatureLayers is not null)
            throw new OptionException(
                "--features",
                string.Join(",", FeatureLayers),
                "a tuned image branch reads the features its strategy trained its head on; drop --features or "
                    + "--image-strategy."
            );
        if (!File.Exists(Data))
            throw new DataException($"{Data}: the CSV file does not exist.", Data);
        if (Test is not null && !File.Exists(Test))
            throw new DataException($"{Test}: the test CSV does not exist.", Test);
    }
}
