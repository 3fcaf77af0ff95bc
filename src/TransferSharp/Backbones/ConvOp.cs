using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Backbones;

/// <summary>Conv (2-D) with groups, dilations, asymmetric pads and auto_pad.</summary>
internal sealed class ConvOp : TensorOwningOp
{
    public Window Window { get; }
    public long Groups { get; }

    public ConvOp(string name, Tensor weight, Tensor? bias, Window window, long groups)
        : base(name)
    {
        Window = window;
        Groups = groups;
        register_parameter("weight", new TorchSharp.Modules.Parameter(weight));
        if (bias is not null)
            register_parameter("bias", new TorchSharp.Modules.Parameter(bias));
    }

    public override Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        Tensor x = inputs[0]!;
        var (begin, end) = Window.PadsFor(x.shape[2..]);
        Tensor weight = Weight;
        Tensor? bias = has_parameter("bias") ? Bias! : null;
        if (Window.IsSymmetric(begin, end))
            return F.conv2d(x, weight, bias, Window.Strides, begin, Window.Dilations, Groups);
        using Tensor padded = F.pad(x, Window.TorchPadOrder(begin, end));
        return F.conv2d(padded, weight, bias, Window.Strides, new long[begin.Length], Window.Dilations, Groups);
    }
}
