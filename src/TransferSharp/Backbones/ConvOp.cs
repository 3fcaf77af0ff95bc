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

    /// <summary>The type training passes compute in (bf16: inputs and weights cast down, the result back to fp32; the
    /// weights stay fp32 parameters, so gradients and updates are fp32); null: the input's type.</summary>
    public ScalarType? TrainingComputeType { get; set; }

    public override Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        Tensor x = inputs[0]!;
        if (training && TrainingComputeType is { } low && x.dtype == ScalarType.Float32)
        {
            using Tensor lowInput = ChannelsLast(x.to(low));
            using Tensor weight = ChannelsLast(Weight.to(low));
            using Tensor? bias = Bias?.to(low);
            using Tensor result = Convolve(lowInput, weight, bias);
            return result.to(ScalarType.Float32);
        }
        return Convolve(x, Weight, Bias);
    }

    // bf16 convolutions run channels-last (oneDNN's layout; NCHW operands are reordered on every call): the bf16 step
    // ran 7-22 % faster at 112 and 224 px (bench/README.md, "bf16"). The result keeps the layout, so the next
    // convolution's input is usually channels-last already. Takes ownership of t.
    private static Tensor ChannelsLast(Tensor t)
    {
        if (t.stride(1) == 1)
            return t;
        using (t)
            return t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    private Tensor Convolve(Tensor x, Tensor weight, Tensor? bias)
    {
        var (begin, end) = Window.PadsFor(x.shape[2..]);
        if (Window.IsSymmetric(begin, end))
            return F.conv2d(x, weight, bias, Window.Strides, begin, Window.Dilations, Groups);
        using Tensor padded = F.pad(x, Window.TorchPadOrder(begin, end));
        return F.conv2d(padded, weight, bias, Window.Strides, new long[begin.Length], Window.Dilations, Groups);
    }
}
