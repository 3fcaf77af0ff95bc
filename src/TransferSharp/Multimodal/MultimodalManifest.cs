namespace TransferSharp.Multimodal;

/// <summary>multimodal.json: everything a saved multimodal model needs to predict a new table.</summary>
public sealed record MultimodalManifest
{
    /// <summary>The file in a run folder.</summary>
    public const string FileName = "multimodal.json";

    /// <summary>The format this version writes when a run needs it: a jointly tuned backbone (<see
    /// cref="BackboneFile"/>) or an embedded column, which a reader of format 1 would ignore and mispredict.</summary>
    public const string CurrentFormat = "transfersharp-multimodal/2";

    /// <summary>The format of runs without either: what earlier versions read too.</summary>
    public const string FirstFormat = "transfersharp-multimodal/1";

    /// <summary>The formats this version reads.</summary>
    public static readonly IReadOnlyList<string> ReadableFormats = new[] { FirstFormat, CurrentFormat };

    /// <summary>The format, for readers to refuse one they do not know.</summary>
    public string Format { get; init; } = FirstFormat;

    /// <summary>The class names, in output order.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>The chosen model.</summary>
    public required FusionKind Model { get; init; }

    /// <summary>Its weights file.</summary>
    public required string ModelFile { get; init; }

    /// <summary>The MLP's hidden width.</summary>
    public int Hidden { get; init; }

    /// <summary>The backbone of the image branch.</summary>
    public required string Backbone { get; init; }

    /// <summary>Its input size.</summary>
    public required int InputSize { get; init; }

    /// <summary>The layer groups whose pooled features are read.</summary>
    public required IReadOnlyList<string> FeatureLayers { get; init; }

    /// <summary>The image feature width.</summary>
    public required int ImageWidth { get; init; }

    /// <summary>The training split's feature means.</summary>
    public required float[] FeatureMean { get; init; }

    /// <summary>The inverse of the training split's feature deviations.</summary>
    public required float[] FeatureScale { get; init; }

    /// <summary>The image run inside the run folder when the image branch was tuned (null: the pretrained backbone,
    /// frozen).</summary>
    public string? ImageRun { get; init; }

    /// <summary>The backbone's weights after joint tuning, in the run folder (null: not tuned jointly); they replace
    /// those of the pretrained backbone or of the image run.</summary>
    public string? BackboneFile { get; init; }

    /// <summary>The image path column.</summary>
    public required string ImageColumn { get; init; }

    /// <summary>The label column (read by evaluate, ignored by predict).</summary>
    public required string LabelColumn { get; init; }

    /// <summary>The record's encoders.</summary>
    public required RecordEncoder Record { get; init; }
}
