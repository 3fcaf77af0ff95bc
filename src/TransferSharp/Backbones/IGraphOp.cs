using static TorchSharp.torch;

namespace TransferSharp.Backbones;

/// <summary>One ONNX node turned into a TorchSharp computation. Ops that own tensors are also modules.</summary>
internal interface IGraphOp
{
    /// <summary>Runs the op; inputs are in the node's input order (null for an omitted optional input).</summary>
    Tensor Run(IReadOnlyList<Tensor?> inputs, bool training);
}
