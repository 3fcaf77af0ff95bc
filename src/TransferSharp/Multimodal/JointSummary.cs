namespace TransferSharp.Multimodal;

/// <summary>What joint tuning of the image branch with the fusion network did (the record's <c>joint</c>).</summary>
/// <param name="Model">The fusion model tuned (the one chosen on frozen features).</param>
/// <param name="Epochs">Epochs run.</param>
/// <param name="BestEpoch">The epoch whose weights were kept (0: none improved on the start by validation accuracy,
/// then log-loss; nothing changed).</param>
/// <param name="Unfreeze">"gradual" (one more backbone group per epoch, top down) or "all".</param>
/// <param name="Rates">The learning rate of each parameter group: the backbone's layer groups, the record branch,
/// the fusion head.</param>
/// <param name="ValBefore">Validation accuracy before (frozen features).</param>
/// <param name="ValAfter">Validation accuracy of the kept epoch.</param>
/// <param name="TestBefore">Test accuracy before, when a test table was given.</param>
/// <param name="TestAfter">Test accuracy after.</param>
/// <param name="Seconds">Wall time of the tuning and the features' second pass.</param>
public sealed record JointSummary(
    FusionKind Model,
    int Epochs,
    int BestEpoch,
    string Unfreeze,
    IReadOnlyDictionary<string, double> Rates,
    double ValBefore,
    double ValAfter,
    double? TestBefore = null,
    double? TestAfter = null,
    double Seconds = 0
)
{
    /// <summary>Whether the tuned weights were kept (an epoch improved on the start on validation).</summary>
    public bool Kept => BestEpoch > 0;
}
