using static TorchSharp.torch;

namespace TransferSharp.Backbones;

/// <summary>A graph op that owns tensors: parameters and buffers are read by name on each call, so they follow the
/// module across devices.</summary>
internal abstract class TensorOwningOp : nn.Module, IGraphOp
{
    protected TensorOwningOp(string name)
        : base(name) { }

    protected Tensor Weight =>
        get_parameter("weight") ?? throw new InvalidOperationException($"{GetName()}: no weight");
    protected Tensor? Bias => has_parameter("bias") ? get_parameter("bias") : null;

    protected Tensor Buffer(string name) =>
        get_buffer(name) ?? throw new InvalidOperationException($"{GetName()}: no buffer {name}");

    public abstract Tensor Run(IReadOnlyList<Tensor?> inputs, bool training);
}
