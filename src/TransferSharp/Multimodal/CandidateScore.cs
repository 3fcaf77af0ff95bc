namespace TransferSharp.Multimodal;

/// <summary>One candidate's scores.</summary>
public sealed record CandidateScore(
    FusionKind Model,
    double ValAccuracy,
    double ValLogLoss,
    double? TestAccuracy,
    int? BestEpoch,
    double Seconds
);
