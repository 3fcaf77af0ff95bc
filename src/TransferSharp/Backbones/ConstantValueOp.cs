using static TorchSharp.torch;

namespace TransferSharp.Backbones;

/// <summary>An ONNX Constant node: its value is a buffer (it follows the module across devices).</summary>
internal sealed class ConstantValueOp : TensorOwningOp
{
    public ConstantValueOp(string name, Tensor value)
        : base(name) => register_buffer("value", value);

    // An alias: the graph releases intermediate values after their last use, never the buffer itself.
    public override Tensor Run(IReadOnlyList<Tensor?> inputs, bool training) => Buffer("value").alias();
}
