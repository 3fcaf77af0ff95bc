namespace TransferSharp.Learning;

/// <summary>
/// The analyses a fit runs besides training, into the run record. Each is opt-in for the library (they cost time); the
/// CLI turns on the domain distance and the filter analysis by default.
/// </summary>
public sealed record AnalysisOptions
{
    /// <summary>The domain distance d to the pretraining data, from BatchNorm statistics (on the pretrained
    /// weights).</summary>
    public bool DomainDistance { get; init; }

    /// <summary>The first-layer filters a replicated gray input blinds.</summary>
    public bool Filters { get; init; }

    /// <summary>The backbone's frequency response against the training images' spectrum, and a verdict.</summary>
    public bool Frequency { get; init; }

    /// <summary>Every analysis.</summary>
    public static AnalysisOptions All { get; } =
        new()
        {
            DomainDistance = true,
            Filters = true,
            Frequency = true,
        };
}
