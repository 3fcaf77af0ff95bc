using static TorchSharp.torch;

namespace TransferSharp.Backbones;

/// <summary>Gemm or MatMul against a constant matrix: a trainable linear layer.</summary>
internal sealed class LinearOp : TensorOwningOp
{
    private readonly double alpha;
    private readonly double beta;
    private readonly bool transposeA;

    // weight: [out, in], as nn.Linear stores it.
    public LinearOp(string name, Tensor weight, Tensor? bias, double alpha, double beta, bool transposeA)
        : base(name)
    {
        this.alpha = alpha;
        this.beta = beta;
        this.transposeA = transposeA;
        register_parameter("weight", new TorchSharp.Modules.Parameter(weight));
        if (bias is not null)
            register_parameter("bias", new TorchSharp.Modules.Parameter(bias));
    }

    public override Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        using var scope = NewDisposeScope();
        Tensor a = transposeA ? inputs[0]!.t() : inputs[0]!;
        Tensor y = matmul(a, Weight.t());
        if (alpha != 1.0)
            y = y * alpha;
        if (has_parameter("bias"))
            y = y + (beta == 1.0 ? Bias! : Bias! * beta);
        return y.MoveToOuterDisposeScope();
    }
}
