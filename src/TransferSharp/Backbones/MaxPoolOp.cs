using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Backbones;

/// <summary>MaxPool (2-D) with asymmetric pads (padded with -inf), dilations and ceil mode.</summary>
internal sealed class MaxPoolOp : IGraphOp
{
    public Window Window { get; }

    public MaxPoolOp(Window window) => Window = window;

    public Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        Tensor x = inputs[0]!;
        var (begin, end, torchCanPad) = Window.TorchPadsFor(x.shape[2..]);
        if (torchCanPad)
            return F.max_pool2d(x, Window.Kernel, Window.Strides, begin, Window.Dilations, Window.CeilMode);
        using Tensor padded = F.pad(
            x,
            Window.TorchPadOrder(begin, end),
            PaddingModes.Constant,
            double.NegativeInfinity
        );
        return F.max_pool2d(
            padded,
            Window.Kernel,
            Window.Strides,
            new long[begin.Length],
            Window.Dilations,
            Window.CeilMode
        );
    }
}
