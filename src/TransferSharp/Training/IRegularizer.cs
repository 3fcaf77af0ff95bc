using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>A penalty added to the training loss.</summary>
public interface IRegularizer
{
    /// <summary>The penalty (a scalar tensor with gradient).</summary>
    Tensor Penalty(TransferModel model);

    /// <summary>Whether the optimizer's own weight decay should be off for this group (the penalty replaces
    /// it).</summary>
    bool ReplacesWeightDecay(int group);
}
