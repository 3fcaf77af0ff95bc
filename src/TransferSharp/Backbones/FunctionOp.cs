using static TorchSharp.torch;

namespace TransferSharp.Backbones;

/// <summary>A parameter-free op.</summary>
internal sealed class FunctionOp : IGraphOp
{
    private readonly Func<IReadOnlyList<Tensor?>, bool, Tensor> body;

    public FunctionOp(Func<IReadOnlyList<Tensor?>, bool, Tensor> body) => this.body = body;

    public Tensor Run(IReadOnlyList<Tensor?> inputs, bool training) => body(inputs, training);
}
