using TorchSharp.Modules;

namespace TransferSharp.Training;

/// <summary>A layer group of the whole model (backbone groups, then the head), with its parameters split for weight
/// decay.</summary>
/// <param name="Name">stem, stage1, ..., head.</param>
/// <param name="Index">0 = nearest the input.</param>
/// <param name="Decay">Weights that take weight decay (conv and linear weights).</param>
/// <param name="NoDecay">Parameters without weight decay (biases, BatchNorm affine parameters).</param>
/// <param name="BatchNormParameters">The BatchNorm affine parameters (a subset of <paramref name="NoDecay"/>).</param>
public sealed record ModelGroup(
    string Name,
    int Index,
    IReadOnlyList<Parameter> Decay,
    IReadOnlyList<Parameter> NoDecay,
    IReadOnlyList<Parameter> BatchNormParameters
)
{
    /// <summary>All parameters of the group.</summary>
    public IEnumerable<Parameter> All => Decay.Concat(NoDecay);
}
