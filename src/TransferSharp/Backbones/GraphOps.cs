using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Backbones;

/// <summary>One ONNX node turned into a TorchSharp computation. Ops that own tensors are also modules.</summary>
internal interface IGraphOp
{
    /// <summary>Runs the op; inputs are in the node's input order (null for an omitted optional input).</summary>
    Tensor Run(IReadOnlyList<Tensor?> inputs, bool training);
}

/// <summary>How an op pads one spatial dimension: ONNX explicit pads, or computed from the input size (auto_pad).</summary>
internal enum AutoPad { NotSet, SameUpper, SameLower, Valid }

/// <summary>A graph op that owns tensors: parameters and buffers are read by name on each call, so they follow the module across devices.</summary>
internal abstract class TensorOwningOp : nn.Module, IGraphOp
{
    protected TensorOwningOp(string name) : base(name) { }

    protected Tensor Weight => get_parameter("weight") ?? throw new InvalidOperationException($"{GetName()}: no weight");
    protected Tensor? Bias => has_parameter("bias") ? get_parameter("bias") : null;
    protected Tensor Buffer(string name) => get_buffer(name) ?? throw new InvalidOperationException($"{GetName()}: no buffer {name}");

    public abstract Tensor Run(IReadOnlyList<Tensor?> inputs, bool training);
}

/// <summary>Window geometry shared by Conv, MaxPool and AveragePool.</summary>
internal sealed class Window
{
    public required long[] Kernel { get; init; }
    public required long[] Strides { get; init; }
    public required long[] Dilations { get; init; }
    /// <summary>Begin pads per spatial dim (top, left).</summary>
    public required long[] PadBegin { get; set; }
    /// <summary>End pads per spatial dim (bottom, right).</summary>
    public required long[] PadEnd { get; set; }
    public AutoPad AutoPad { get; init; }
    public bool CeilMode { get; init; }

    /// <summary>Pads (begin, end) for the given input spatial sizes.</summary>
    public (long[] begin, long[] end) PadsFor(long[] inputSpatial)
    {
        if (AutoPad == AutoPad.NotSet) return (PadBegin, PadEnd);
        int d = Kernel.Length;
        var begin = new long[d];
        var end = new long[d];
        if (AutoPad == AutoPad.Valid) return (begin, end);
        for (int i = 0; i < d; i++)
        {
            long effective = (Kernel[i] - 1) * Dilations[i] + 1;
            long outSize = (inputSpatial[i] + Strides[i] - 1) / Strides[i];
            long total = Math.Max((outSize - 1) * Strides[i] + effective - inputSpatial[i], 0);
            long small = total / 2;
            begin[i] = AutoPad == AutoPad.SameUpper ? small : total - small;
            end[i] = total - begin[i];
        }
        return (begin, end);
    }

    /// <summary>Output size of one spatial dim for an input size and pads (floor or ceil mode).</summary>
    public long OutputSize(int dim, long input, long begin, long end)
    {
        long effective = (Kernel[dim] - 1) * Dilations[dim] + 1;
        long span = input + begin + end - effective;
        return (CeilMode ? (span + Strides[dim] - 1) / Strides[dim] : span / Strides[dim]) + 1;
    }

    public static bool IsSymmetric(long[] begin, long[] end) => begin.SequenceEqual(end);

    /// <summary>F.pad's argument order: last dim first, (begin, end) pairs.</summary>
    public static long[] TorchPadOrder(long[] begin, long[] end)
    {
        var pad = new long[begin.Length * 2];
        for (int i = 0; i < begin.Length; i++)
        {
            int dim = begin.Length - 1 - i;
            pad[2 * i] = begin[dim];
            pad[2 * i + 1] = end[dim];
        }
        return pad;
    }
}

/// <summary>Conv (2-D) with groups, dilations, asymmetric pads and auto_pad.</summary>
internal sealed class ConvOp : TensorOwningOp
{
    public Window Window { get; }
    public long Groups { get; }

    public ConvOp(string name, Tensor weight, Tensor? bias, Window window, long groups) : base(name)
    {
        Window = window;
        Groups = groups;
        register_parameter("weight", new TorchSharp.Modules.Parameter(weight));
        if (bias is not null) register_parameter("bias", new TorchSharp.Modules.Parameter(bias));
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

/// <summary>BatchNormalization: affine weights are parameters, running statistics are buffers (updated in training mode).</summary>
internal sealed class BatchNormOp : TensorOwningOp
{
    public double Epsilon { get; }
    public double Momentum { get; set; }
    public Tensor RunningMean => Buffer("running_mean");
    public Tensor RunningVariance => Buffer("running_var");

    public BatchNormOp(string name, Tensor scale, Tensor bias, Tensor mean, Tensor variance, double epsilon, double momentum) : base(name)
    {
        Epsilon = epsilon;
        Momentum = momentum;
        register_parameter("weight", new TorchSharp.Modules.Parameter(scale));
        register_parameter("bias", new TorchSharp.Modules.Parameter(bias));
        register_buffer("running_mean", mean);
        register_buffer("running_var", variance);
    }

    /// <summary>When false, this layer normalises with its running statistics even while the network trains (a frozen BN).</summary>
    public bool UpdatesStatistics { get; set; } = true;

    public override Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        return F.batch_norm(inputs[0]!, Buffer("running_mean"), Buffer("running_var"),
            Weight, Bias!, training && UpdatesStatistics && this.training, Momentum, Epsilon);
    }
}

/// <summary>Gemm or MatMul against a constant matrix: a trainable linear layer.</summary>
internal sealed class LinearOp : TensorOwningOp
{
    private readonly double alpha;
    private readonly double beta;
    private readonly bool transposeA;

    // weight: [out, in], as nn.Linear stores it.
    public LinearOp(string name, Tensor weight, Tensor? bias, double alpha, double beta, bool transposeA) : base(name)
    {
        this.alpha = alpha;
        this.beta = beta;
        this.transposeA = transposeA;
        register_parameter("weight", new TorchSharp.Modules.Parameter(weight));
        if (bias is not null) register_parameter("bias", new TorchSharp.Modules.Parameter(bias));
    }

    public override Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        using var scope = NewDisposeScope();
        Tensor a = transposeA ? inputs[0]!.t() : inputs[0]!;
        Tensor y = matmul(a, Weight.t());
        if (alpha != 1.0) y = y * alpha;
        if (has_parameter("bias")) y = y + (beta == 1.0 ? Bias! : Bias! * beta);
        return y.MoveToOuterDisposeScope();
    }
}

/// <summary>An op whose constant inputs (initializers) are kept as non-trainable buffers.</summary>
internal sealed class ConstantsOp : TensorOwningOp
{
    private readonly Func<IReadOnlyList<Tensor?>, bool, Tensor> body;
    private readonly int[] constantSlots;

    public ConstantsOp(string name, IReadOnlyDictionary<int, Tensor> constants, Func<IReadOnlyList<Tensor?>, bool, Tensor> body) : base(name)
    {
        this.body = body;
        constantSlots = constants.Keys.OrderBy(k => k).ToArray();
        foreach (var (slot, tensor) in constants) register_buffer($"input{slot}", tensor);
    }

    public override Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        var filled = inputs.ToArray();
        foreach (int slot in constantSlots) filled[slot] = Buffer($"input{slot}");
        return body(filled, training);
    }
}

/// <summary>A parameter-free op.</summary>
internal sealed class FunctionOp : IGraphOp
{
    private readonly Func<IReadOnlyList<Tensor?>, bool, Tensor> body;
    public FunctionOp(Func<IReadOnlyList<Tensor?>, bool, Tensor> body) => this.body = body;
    public Tensor Run(IReadOnlyList<Tensor?> inputs, bool training) => body(inputs, training);
}

/// <summary>MaxPool (2-D) with asymmetric pads (padded with -inf), dilations and ceil mode.</summary>
internal sealed class MaxPoolOp : IGraphOp
{
    public Window Window { get; }
    public MaxPoolOp(Window window) => Window = window;

    public Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        Tensor x = inputs[0]!;
        var (begin, end) = Window.PadsFor(x.shape[2..]);
        bool torchCanPad = Window.IsSymmetric(begin, end) && begin.Select((p, i) => p <= Window.Kernel[i] / 2).All(ok => ok);
        if (torchCanPad)
            return F.max_pool2d(x, Window.Kernel, Window.Strides, begin, Window.Dilations, Window.CeilMode);
        using Tensor padded = F.pad(x, Window.TorchPadOrder(begin, end), PaddingModes.Constant, double.NegativeInfinity);
        return F.max_pool2d(padded, Window.Kernel, Window.Strides, new long[begin.Length], Window.Dilations, Window.CeilMode);
    }
}

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
        var (begin, end) = Window.PadsFor(x.shape[2..]);
        bool torchCanPad = Window.IsSymmetric(begin, end) && begin.Select((p, i) => p <= Window.Kernel[i] / 2).All(ok => ok);
        if (torchCanPad)
            return F.avg_pool2d(x, Window.Kernel, Window.Strides, begin, Window.CeilMode, CountIncludePad);
        using var scope = NewDisposeScope();
        long[] pad = Window.TorchPadOrder(begin, end);
        long[] none = new long[begin.Length];
        Tensor sum = F.avg_pool2d(F.pad(x, pad), Window.Kernel, Window.Strides, none, Window.CeilMode, true);
        if (CountIncludePad) return sum.MoveToOuterDisposeScope();
        // Divide by the share of real (unpadded) positions under each window.
        Tensor ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype: x.dtype, device: x.device);
        Tensor share = F.avg_pool2d(F.pad(ones, pad), Window.Kernel, Window.Strides, none, Window.CeilMode, true);
        return (sum / share).MoveToOuterDisposeScope();
    }
}
