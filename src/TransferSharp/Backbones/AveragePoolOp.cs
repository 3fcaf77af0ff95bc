using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Backbones;

/// <summary>AveragePool (2-D), exact for asymmetric pads with or without counting the pads.</summary>
internal sealed class AveragePoolOp : IGraphOp
{
    public Window Window { get; }
    public bool CountIncludePad { get; }

    public AveragePoolOp(Window window, bool countIncludePad)
    {
        Window = window;
        CountIncludePad = countIncludePad;
    }

    public Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        Tensor x = inputs[0]!;
        var (begin, end, torchCanPad) = Window.TorchPadsFor(x.shape[2..]);
        if (torchCanPad)
            return F.avg_pool2d(x, Window.Kernel, Window.Strides, begin, Window.CeilMode, CountIncludePad);
        using var scope = NewDisposeScope();
        long[] pad = Window.TorchPadOrder(begin, end);
        long[] none = new long[begin.Length];
        Tensor sum = F.avg_pool2d(F.pad(x, pad), Window.Kernel, Window.Strides, none, Window.CeilMode, true);
        if (CountIncludePad)
            return sum.MoveToOuterDisposeScope();
        // Divide by the share of real (unpadded) positions under each window.
        Tensor ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype: x.dtype, device: x.device);
        Tensor share = F.avg_pool2d(F.pad(ones, pad), Window.Kernel, Window.Strides, none, Window.CeilMode, true);
        return (sum / share).MoveToOuterDisposeScope();
    }
}
