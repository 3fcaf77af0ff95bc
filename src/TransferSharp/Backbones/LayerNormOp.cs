using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Backbones;

/// <summary>LayerNormalization (opset 17) over the dimensions from <c>axis</c> on, with a trainable scale and
/// bias.</summary>
internal sealed class LayerNormOp : TensorOwningOp
{
    private readonly long axis;
    private readonly double epsilon;

    public LayerNormOp(string name, Tensor scale, Tensor? bias, long axis, double epsilon)
        : base(name)
    {
        this.axis = axis;
        this.epsilon = epsilon;
        register_parameter("weight", new TorchSharp.Modules.Parameter(scale));
        if (bias is not null)
            register_parameter("bias", new TorchSharp.Modules.Parameter(bias));
    }

    public override Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        Tensor x = inputs[0]!;
        long first = axis < 0 ? axis + x.dim() : axis;
        long[] shape = x.shape[(int)first..];
        using var scope = NewDisposeScope();
        Tensor weight = Weight.reshape(shape);
        Tensor? bias = Bias?.reshape(shape);
        return F.layer_norm(x, shape, weight, bias, epsilon).MoveToOuterDisposeScope();
    }
}
