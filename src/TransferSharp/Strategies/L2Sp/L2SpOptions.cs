namespace TransferSharp.Strategies.L2Sp;

/// <summary>L2-SP's options.</summary>
public sealed record L2SpOptions : FineTuningOptions
{
    /// <summary>Strength of the pull toward the pretrained backbone weights. Default 0.01.</summary>
    public double Alpha { get; init; } = 0.01;

    /// <summary>L2 strength on the head's weights. Default 0.01.</summary>
    public double Beta { get; init; } = 0.01;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Limits.Range($"{nameof(L2SpOptions)}.{nameof(Alpha)}", Alpha, 0, 100);
        Limits.Range($"{nameof(L2SpOptions)}.{nameof(Beta)}", Beta, 0, 100);
    }
}
