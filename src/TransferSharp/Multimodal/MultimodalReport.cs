namespace TransferSharp.Multimodal;

/// <summary>metrics.json of a multimodal run: the data, every candidate's scores, the choice and why, the columns'
/// importance.</summary>
public sealed record MultimodalReport
{
    /// <summary>"multimodal".</summary>
    public string Kind { get; init; } = "multimodal";

    /// <summary>The backbone.</summary>
    public required string Backbone { get; init; }

    /// <summary>Its input size.</summary>
    public required int InputSize { get; init; }

    /// <summary>The image branch: "frozen", or the strategy that tuned it before fusion.</summary>
    public string ImageBranch { get; init; } = "frozen";

    /// <summary>The classes.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Rows per split.</summary>
    public required int TrainRows { get; init; }

    /// <summary>Rows per split.</summary>
    public required int ValRows { get; init; }

    /// <summary>Rows per split (0: no test CSV).</summary>
    public int TestRows { get; init; }

    /// <summary>Rows without a usable image, per split (empty cell, missing file, undecodable).</summary>
    public required IReadOnlyDictionary<string, int> MissingImages { get; init; }

    /// <summary>Rows whose record is entirely missing, per split.</summary>
    public required IReadOnlyDictionary<string, int> MissingRecords { get; init; }

    /// <summary>The record's columns as encoded.</summary>
    public required IReadOnlyList<ColumnSummary> Columns { get; init; }

    /// <summary>Every candidate trained.</summary>
    public required IReadOnlyList<CandidateScore> Candidates { get; init; }

    /// <summary>The model kept (best on validation).</summary>
    public required FusionKind Chosen { get; init; }

    /// <summary>Why, in a sentence.</summary>
    public required string Advice { get; init; }

    /// <summary>Validation accuracy lost when one column (or the image) is shuffled across rows, largest
    /// first.</summary>
    public required IReadOnlyList<Importance> Importance { get; init; }

    /// <summary>Joint tuning of the image branch with the chosen fusion model, when it ran.</summary>
    public JointSummary? Joint { get; init; }

    /// <summary>The kept model's validation accuracy (after joint tuning, when it was kept).</summary>
    public double ValAccuracy { get; init; }

    /// <summary>The kept model's test accuracy.</summary>
    public double? TestAccuracy { get; init; }

    /// <summary>Seconds in the frozen pass.</summary>
    public double SecondsExtraction { get; init; }

    /// <summary>Seconds in all.</summary>
    public double SecondsTotal { get; init; }

    /// <summary>Warnings (images not found or undecodable, high-cardinality columns).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
}
