using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Backbones;

/// <summary>BatchNormalization: affine weights are parameters, running statistics are buffers (updated in training
/// mode).</summary>
internal sealed class BatchNormOp : TensorOwningOp
{
    public double Epsilon { get; }
    public double Momentum { get; set; }
    public Tensor RunningMean => Buffer("running_mean");
    public Tensor RunningVariance => Buffer("running_var");

    public BatchNormOp(
        string name,
        Tensor scale,
        Tensor bias,
        Tensor mean,
        Tensor variance,
        double epsilon,
        double momentum
    )
        : base(name)
    {
        Epsilon = epsilon;
        Momentum = momentum;
        register_parameter("weight", new TorchSharp.Modules.Parameter(scale));
        register_parameter("bias", new TorchSharp.Modules.Parameter(bias));
        register_buffer("running_mean", mean);
        register_buffer("running_var", variance);
    }

    /// <summary>When false, this layer normalises with its running statistics even while the network trains (a frozen
    /// BN).</summary>
    public bool UpdatesStatistics { get; set; } = true;

    public override Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        return F.batch_norm(
            inputs[0]!,
            Buffer("running_mean"),
            Buffer("running_var"),
            Weight,
            Bias!,
            training && UpdatesStatistics && this.training,
            Momentum,
            Epsilon
        );
    }
}
