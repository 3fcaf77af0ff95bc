using TransferSharp.Training;

namespace TransferSharp.Strategies.LpFt;

/// <summary>
/// LP-FT (Kumar et al. 2022): a linear probe on the frozen features first, then everything trains from that head, on
/// the BatchNorm statistics the probe saw, so that fine-tuning does not distort good features with a random head's
/// gradients.
/// </summary>
public sealed class LpFtStrategy : TransferStrategy
{
    private readonly LpFtOptions options;

    /// <summary>The strategy with <paramref name="options"/>.</summary>
    public LpFtStrategy(LpFtOptions options)
        : base(options) => this.options = options;

    /// <inheritdoc />
    public override TrainingDefaults Defaults { get; } =
        new()
        {
            FreezeBatchNormStatistics = true,
            ScoreStart = true,
            AdapterStage = true,
        };

    /// <summary>The probe's head, its features centred and scaled by one number (fine-tuning continues from it); with
    /// a conv1x1 adapter, then the adapter and that head on the frozen backbone.</summary>
    public override void Start(NetworkSession session)
    {
        if (session.Settings.AutogradThroughFrozen)
            session.TrainHeadNaively(options.NaiveProbeEpochs);
        else
            session.FitHeadByLinearProbe(perFeatureScale: false);
        session.FitAdapterFirst();
    }
}
