using TransferSharp.Adapters;
using TransferSharp.Training;

namespace TransferSharp.Strategies;

/// <summary>What a strategy produced.</summary>
/// <param name="Head">The trained head (the caller owns it).</param>
/// <param name="BackboneTrained">Whether the backbone's weights changed (then they are saved with the model).</param>
/// <param name="ChannelInput">The channel pipeline's input step, when the run used it.</param>
/// <param name="HeldOut">The model's predictions on held-out images: what calibration and label-shift estimation start
/// from (out-of-fold over every labelled image for frozen features, the validation split otherwise).</param>
/// <param name="Test">Its predictions on the test images, when there are any.</param>
/// <param name="Report">The strategy's entries of the run record.</param>
public sealed record StrategyOutcome(
    ClassifierHead Head,
    bool BackboneTrained,
    ChannelInput? ChannelInput,
    PredictionSet HeldOut,
    PredictionSet? Test,
    TrainingReport Report
)
{
    /// <summary>The int8 frozen pass the head's features came from; null: fp32.</summary>
    public Backbones.FrozenQuantization? Quantization { get; init; }

    /// <summary>Feature extraction's head fit, for a later fit that only adds the test images.</summary>
    internal FeatureExtraction.FittedProbe? FittedProbe { get; init; }
}
