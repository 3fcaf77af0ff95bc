namespace TransferSharp.Strategies.LpFt;

/// <summary>LP-FT's options.</summary>
public sealed record LpFtOptions : FineTuningOptions
{
    /// <summary>With the naive benchmark baseline: epochs of the head-only stage through the network. Default
    /// 10.</summary>
    public int NaiveProbeEpochs { get; init; } = 10;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Limits.Range($"{nameof(LpFtOptions)}.{nameof(NaiveProbeEpochs)}", NaiveProbeEpochs, 1, Limits.MaximumEpochs);
    }
}
