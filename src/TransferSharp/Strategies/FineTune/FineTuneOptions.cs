namespace TransferSharp.Strategies.FineTune;

/// <summary>Fine-tuning's options.</summary>
public sealed record FineTuneOptions : FineTuningOptions
{
    /// <summary>Backbone groups below this index stay frozen (0 = every group trains; stem = 0, stage1 =
    /// 1...).</summary>
    public int FreezeTo { get; init; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Limits.Range($"{nameof(FineTuneOptions)}.{nameof(FreezeTo)}", FreezeTo, 0, 64);
    }
}
