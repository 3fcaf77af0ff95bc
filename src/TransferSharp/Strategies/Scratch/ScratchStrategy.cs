using TransferSharp.Training;

namespace TransferSharp.Strategies.Scratch;

/// <summary>The baseline: the same network from random initialisation, with the same budget.</summary>
public sealed class ScratchStrategy : TransferStrategy
{
    /// <summary>The strategy.</summary>
    public ScratchStrategy(ScratchOptions options) { }

    /// <summary>No pretrained prior to protect: one rate for every group.</summary>
    public override TrainingDefaults Defaults { get; } = new() { LrSpread = 1 };

    /// <summary>Layer decay protects pretrained layers; from scratch there are none.</summary>
    public override TrainingSettings Settings(TrainingOptions requested, int seed) =>
        requested.Resolve(Defaults, seed) with
        {
            LayerDecay = null,
        };

    /// <inheritdoc />
    public override void Start(NetworkSession session) => session.Reinitialize();
}
