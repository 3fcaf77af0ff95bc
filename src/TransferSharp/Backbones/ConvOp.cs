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

    /// <summary>Whether fp32 training passes convolve channels-last operands (see <see
    /// cref="OnnxGraphModule.TrainingChannelsLast"/>); bf16 ones always do. 1x1 convolutions train as matrix
    /// products in either case.</summary>
    public bool TrainingChannelsLast { get; set; }

    public override Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        Tensor x = inputs[0]!;
        // Only passes that record gradients: a frozen prefix run without them must give the bits its cached
        // (evaluation) outputs have, or a resumed fit would part from the uninterrupted one.
        if (!training || x.dtype != ScalarType.Float32 || !is_grad_enabled())
            return Convolve(x, Weight, Bias);
        bool pointwise = IsPointwise(x);
        if (TrainingComputeType is { } low)
        {
            using Tensor lowInput = pointwise ? x.to(low) : ChannelsLast(x.to(low));
            using Tensor weight = pointwise ? Weight.to(low) : ChannelsLast(Weight.to(low));
            using Tensor? bias = Bias?.to(low);
            using Tensor result = pointwise ? Pointwise(lowInput, weight, bias) : Convolve(lowInput, weight, bias);
            return result.to(ScalarType.Float32);
        }
        if (pointwise)
            return Pointwise(x, Weight, Bias);
        if (!TrainingChannelsLast)
            return Convolve(x, Weight, Bias);
        using Tensor input = ChannelsLast(x.alias());
        using Tensor clWeight = ChannelsLast(Weight.alias());
        return Convolve(input, clWeight, Bias);
    }

    // A 1x1 convolution (one group, no padding) is a matrix product over the channels. Training passes compute it as
    // one: libtorch 2.10's oneDNN 1x1 kernels, on this project's AVX-512 CPUs, return results 9-18 % off (channels-last
    // forward, from 512 output channels) or die of SIGFPE (channels-last forward from 1,024 output channels; NCHW
    // stride-2 backward at 2,048), fp32 and bf16 alike (bench/README.md, "1x1 convolutions").
    private bool IsPointwise(Tensor x)
    {
        if (Groups != 1 || Weight.shape[2] != 1 || Weight.shape[3] != 1)
            return false;
        var (begin, end) = Window.PadsFor(x.shape[2..]);
        return begin.All(p => p == 0) && end.All(p => p == 0);
    }

    // [N, C, H, W] in either layout -> [N, out, H', W'] with channels-last strides.
    private Tensor Pointwise(Tensor x, Tensor weight, Tensor? bias)
    {
        using Tensor pixels = x.permute(0, 2, 3, 1);
        long down = Window.Strides[0],
            across = Window.Strides[1];
        using Tensor strided =
            down == 1 && across == 1
                ? pixels.alias()
                : pixels[.., TensorIndex.Slice(null, null, down), TensorIndex.Slice(null, null, across), ..];
        using Tensor matrix = weight.flatten(1);
        using Tensor result = F.linear(strided, matrix, bias);
        return result.permute(0, 3, 1, 2);
    }

    // Convolutions run channels-last in training (oneDNN's layout; NCHW operands are reordered on every call): the
    // bf16 step ran 7-22 % faster at 112 and 224 px, the fp32 step 7-12 % (bench/README.md, "bf16" and "1x1
    // convolutions"). The result keeps the layout, so the next convolution's input usually is already. Takes
    // ownership of t.
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
