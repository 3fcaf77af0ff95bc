using TransferSharp.Adapters;
using TransferSharp.Training;

namespace TransferSharp.Strategies;

/// <summary>What a strategy produced.</summary>
/// <param name="Head">The trained head (the caller owns it).</param>
/// <param name="BackboneTrained">Whether the backbone's weights changed (then they are saved with the model).</param>
/// <param name="ChannelInput">The channel pipeline's input step, when the run used it.</param>
/// <param name="HeldOutLabels">Labels of the held-out images the outcome predicted.</param>
/// <param name="HeldOutLogProbabilities">The model's log-probabilities on them: what calibration and label-shift
/// estimation start from (out-of-fold over every labelled image for frozen features, the validation split otherwise).</param>
/// <param name="Report">The strategy's entries of the run record.</param>
public sealed record StrategyOutcome(ClassifierHead Head, bool BackboneTrained, ChannelInput? ChannelInput,
    int[] HeldOutLabels, double[][] HeldOutLogProbabilities, TrainingReport Report);
