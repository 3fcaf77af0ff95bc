using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Backbones;

/// <summary>
/// The ops beyond convolutions and pooling that exports of newer CNNs bring: shape arithmetic (Shape, Gather,
/// Unsqueeze, Concat of sizes into a Reshape), layout (Transpose, Slice, Split), normalisation written out
/// (ReduceMean, Pow, Sqrt) or as one LayerNormalization, and activations (Erf, GELU, Softmax...). Values that older
/// opsets give as attributes and newer ones as inputs are read from either; inputs computed in the graph are read when
/// the node runs.
/// </summary>
internal static class OnnxTensorOps
{
    /// <summary>The operators built here.</summary>
    public static readonly IReadOnlyList<string> Supported = new[]
    {
        "Constant",
        "Shape",
        "Gather",
        "Unsqueeze",
        "Squeeze",
        "Slice",
        "Split",
        "Transpose",
        "ReduceMean",
        "ReduceSum",
        "ReduceMax",
        "ReduceMin",
        "Pow",
        "Sqrt",
        "Erf",
        "Tanh",
        "Exp",
        "Log",
        "Neg",
        "Abs",
        "Reciprocal",
        "Floor",
        "Ceil",
        "Elu",
        "Selu",
        "Softplus",
        "PRelu",
        "Softmax",
        "LogSoftmax",
        "Gelu",
        "LayerNormalization",
        "Cast",
        "Pad",
        "ConstantOfShape",
        "Expand",
        "Sum",
        "Max",
        "Min",
    };

    /// <summary>Builds the op of <paramref name="c"/>, or null when it is not one of <see cref="Supported"/>.</summary>
    public static IGraphOp? Build(OnnxNodeContext c) =>
        c.Proto.OpType switch
        {
            // The importer folds every Constant it can read into an initializer (FoldedConstant); what is left has
            // an attribute it cannot read (a string, a sparse tensor).
            "Constant" => throw c.Error("only value, value_float(s) and value_int(s) constants are supported."),
            "Shape" => Shape(c),
            "Gather" => OnnxImporter.Elementwise(c, (x, _) => Gather(x[0]!, x[1]!, c.Int("axis", 0))),
            "Unsqueeze" => Axes(c, "axes", 1, (x, axes) => Unsqueeze(x, axes)),
            "Squeeze" => Axes(c, "axes", 1, (x, axes) => Squeeze(x, axes)),
            "Slice" => Slice(c),
            "Transpose" => Transpose(c),
            "ReduceMean" => Reduce(c, (x, axes, keep) => x.mean(axes, keep)),
            "ReduceSum" => Reduce(c, (x, axes, keep) => x.sum(axes, keep)),
            "ReduceMax" => Reduce(c, (x, axes, keep) => x.amax(axes, keep)),
            "ReduceMin" => Reduce(c, (x, axes, keep) => x.amin(axes, keep)),
            "Pow" => OnnxImporter.Elementwise(c, (x, _) => x[0]!.pow(x[1]!)),
            "Sqrt" => Unary(x => x.sqrt()),
            "Erf" => Unary(x => x.erf()),
            "Tanh" => Unary(x => x.tanh()),
            "Exp" => Unary(x => x.exp()),
            "Log" => Unary(x => x.log()),
            "Neg" => Unary(x => x.neg()),
            "Abs" => Unary(x => x.abs()),
            "Reciprocal" => Unary(x => x.reciprocal()),
            "Floor" => Unary(x => x.floor()),
            "Ceil" => Unary(x => x.ceil()),
            "Elu" => Elu(c),
            "Selu" => Selu(c),
            "Softplus" => Unary(x => F.softplus(x)),
            "PRelu" => OnnxImporter.Elementwise(c, (x, _) => where(x[0]! >= 0, x[0]!, x[0]! * x[1]!)),
            "Softmax" => SoftmaxOp(c, log: false),
            "LogSoftmax" => SoftmaxOp(c, log: true),
            "Gelu" => Gelu(c),
            "LayerNormalization" => LayerNorm(c),
            "Cast" => Cast(c),
            "Pad" => Pad(c),
            "ConstantOfShape" => ConstantOfShape(c),
            "Expand" => OnnxImporter.Elementwise(c, (x, _) => Expand(x[0]!, Values(x[1]!))),
            "Sum" => OnnxImporter.Elementwise(c, (x, _) => Fold(x, (a, b) => a + b)),
            "Max" => OnnxImporter.Elementwise(c, (x, _) => Fold(x, maximum)),
            "Min" => OnnxImporter.Elementwise(c, (x, _) => Fold(x, minimum)),
            _ => null,
        };

    /// <summary>The ops of a Split node, one per output (each a slice of the input along the axis).</summary>
    public static IReadOnlyList<IGraphOp> Split(OnnxNodeContext c)
    {
        int outputs = c.Proto.Output.Count;
        long axis = c.Int("axis", 0);
        long[]? sizes = c.IntsFrom("split", 1);
        var ops = new List<IGraphOp>();
        for (int k = 0; k < outputs; k++)
        {
            int part = k;
            ops.Add(
                new FunctionOp(
                    (x, _) =>
                    {
                        Tensor input = x[0]!;
                        long a = axis < 0 ? axis + input.dim() : axis;
                        long length = input.shape[a];
                        long[] parts = sizes ?? EqualParts(length, outputs);
                        long start = parts.Take(part).Sum();
                        return input.slice(a, start, start + parts[part], 1);
                    }
                )
            );
        }
        return ops;
    }

    /// <summary>Integer values of a (small) tensor computed in the graph: sizes, axes, indices.</summary>
    public static long[] Values(Tensor t)
    {
        using Tensor longs = t.detach().cpu().to_type(ScalarType.Int64).flatten();
        return longs.data<long>().ToArray();
    }

    private static long[] EqualParts(long length, int parts)
    {
        // ONNX: equal parts, the last one smaller when the length does not divide (opset 18's rule).
        long size = (length + parts - 1) / parts;
        return Enumerable.Range(0, parts).Select(i => Math.Max(0, Math.Min(size, length - i * size))).ToArray();
    }

    private static IGraphOp Unary(Func<Tensor, Tensor> body) => new FunctionOp((x, _) => body(x[0]!));

    private static IGraphOp Shape(OnnxNodeContext c)
    {
        long? start = c.Attribute("start") is { } s ? s.I : null;
        long? end = c.Attribute("end") is { } e ? e.I : null;
        return new FunctionOp(
            (x, _) =>
            {
                long[] shape = x[0]!.shape;
                int rank = shape.Length;
                int from = (int)Math.Clamp(start is { } a ? (a < 0 ? a + rank : a) : 0, 0, rank);
                int to = (int)Math.Clamp(end is { } b ? (b < 0 ? b + rank : b) : rank, 0, rank);
                return tensor(shape[from..Math.Max(from, to)], ScalarType.Int64, x[0]!.device);
            }
        );
    }

    private static Tensor Gather(Tensor data, Tensor indices, long axis)
    {
        long a = axis < 0 ? axis + data.dim() : axis;
        using var scope = NewDisposeScope();
        Tensor index = indices.to_type(ScalarType.Int64);
        index = where(index < 0, index + data.shape[a], index);
        Tensor picked = data.index_select(a, index.flatten());
        long[] shape = data.shape[..(int)a].Concat(indices.shape).Concat(data.shape[((int)a + 1)..]).ToArray();
        return picked.reshape(shape).MoveToOuterDisposeScope();
    }

    /// <summary>An op that needs axes, from an attribute (older opsets) or an input (opset 13 on).</summary>
    private static IGraphOp Axes(OnnxNodeContext c, string attribute, int slot, Func<Tensor, long[]?, Tensor> body)
    {
        long[]? fixedAxes = c.Ints(attribute);
        return OnnxImporter.Elementwise(
            c,
            (x, _) => body(x[0]!, fixedAxes ?? (x.Count > slot && x[slot] is { } t ? Values(t) : null))
        );
    }

    private static Tensor Unsqueeze(Tensor x, long[]? axes)
    {
        if (axes is null)
            throw new InvalidOperationException("Unsqueeze without axes.");
        long rank = x.dim() + axes.Length;
        Tensor result = x.alias();
        foreach (long axis in axes.Select(a => a < 0 ? a + rank : a).OrderBy(a => a))
        {
            Tensor next = result.unsqueeze(axis);
            result.Dispose();
            result = next;
        }
        return result;
    }

    private static Tensor Squeeze(Tensor x, long[]? axes)
    {
        if (axes is null || axes.Length == 0)
            return x.squeeze();
        long rank = x.dim();
        long[] kept = Enumerable.Range(0, (int)rank).Select(i => (long)i).ToArray();
        var dropped = axes.Select(a => a < 0 ? a + rank : a).ToHashSet();
        return x.reshape(kept.Where(d => !dropped.Contains(d)).Select(d => x.shape[d]).ToArray());
    }

    private static IGraphOp Slice(OnnxNodeContext c)
    {
        long[]? startsAttribute = c.Ints("starts"),
            endsAttribute = c.Ints("ends"),
            axesAttribute = c.Ints("axes");
        return OnnxImporter.Elementwise(
            c,
            (x, _) =>
            {
                long[] starts = startsAttribute ?? Values(x[1]!);
                long[] ends = endsAttribute ?? Values(x[2]!);
                long[] axes =
                    axesAttribute
                    ?? (
                        x.Count > 3 && x[3] is { } a
                            ? Values(a)
                            : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray()
                    );
                long[] steps =
                    startsAttribute is null && x.Count > 4 && x[4] is { } s
                        ? Values(s)
                        : Enumerable.Repeat(1L, starts.Length).ToArray();
                return SliceTensor(x[0]!, starts, ends, axes, steps);
            }
        );
    }

    private static Tensor SliceTensor(Tensor input, long[] starts, long[] ends, long[] axes, long[] steps)
    {
        Tensor result = input.alias();
        for (int i = 0; i < axes.Length; i++)
        {
            long axis = axes[i] < 0 ? axes[i] + input.dim() : axes[i];
            long length = result.shape[axis];
            if (steps[i] == 0)
                throw new InvalidOperationException("Slice with a step of 0 is not valid ONNX.");
            if (steps[i] < 0)
            {
                // Backwards: starts clamped to [0, length - 1], ends to [-1, length - 1] (the ONNX rule).
                long from = Math.Clamp(starts[i] < 0 ? starts[i] + length : starts[i], 0, length - 1);
                long to = Math.Clamp(ends[i] < 0 ? ends[i] + length : ends[i], -1, length - 1);
                using Tensor picked =
                    from > to ? arange(from, to, steps[i], dtype: ScalarType.Int64) : empty(0, ScalarType.Int64);
                Tensor reversed = result.index_select(axis, picked);
                result.Dispose();
                result = reversed;
                continue;
            }
            long start = Math.Clamp(starts[i] < 0 ? starts[i] + length : starts[i], 0, length);
            long end = Math.Clamp(ends[i] < 0 ? ends[i] + length : ends[i], 0, length);
            Tensor next = result.slice(axis, start, Math.Max(start, end), steps[i]);
            result.Dispose();
            result = next;
        }
        return result;
    }

    private static IGraphOp Transpose(OnnxNodeContext c)
    {
        long[]? perm = c.Ints("perm");
        return new FunctionOp(
            (x, _) =>
                x[0]!.permute(perm ?? Enumerable.Range(0, (int)x[0]!.dim()).Reverse().Select(i => (long)i).ToArray())
        );
    }

    private static IGraphOp Reduce(OnnxNodeContext c, Func<Tensor, long[], bool, Tensor> body)
    {
        bool keep = c.Int("keepdims", 1) != 0;
        bool noopWhenEmpty = c.Int("noop_with_empty_axes", 0) != 0;
        long[]? fixedAxes = c.Ints("axes");
        return OnnxImporter.Elementwise(
            c,
            (x, _) =>
            {
                Tensor input = x[0]!;
                long[]? axes = fixedAxes ?? (x.Count > 1 && x[1] is { } t ? Values(t) : null);
                if (axes is null || axes.Length == 0)
                {
                    if (noopWhenEmpty)
                        return input.alias();
                    axes = Enumerable.Range(0, (int)input.dim()).Select(i => (long)i).ToArray();
                }
                return body(input, axes.Select(a => a < 0 ? a + input.dim() : a).ToArray(), keep);
            }
        );
    }

    private static IGraphOp Elu(OnnxNodeContext c)
    {
        double alpha = c.Float("alpha", 1f);
        return Unary(x => F.elu(x, alpha));
    }

    private static IGraphOp Selu(OnnxNodeContext c)
    {
        double alpha = c.Float("alpha", 1.67326319217681884765625f),
            gamma = c.Float("gamma", 1.05070102214813232421875f);
        return Unary(x => where(x > 0, x * gamma, (x.exp() - 1) * (alpha * gamma)));
    }

    private static IGraphOp SoftmaxOp(OnnxNodeContext c, bool log)
    {
        // Before opset 13 the input is coerced to 2-D at axis (default 1); from 13 it is one axis (default -1).
        long axis = c.Int("axis", c.Opset < 13 ? 1 : -1);
        bool coerce = c.Opset < 13;
        return new FunctionOp(
            (x, _) =>
            {
                Tensor input = x[0]!;
                long a = axis < 0 ? axis + input.dim() : axis;
                if (!coerce || a == input.dim() - 1)
                    return log ? F.log_softmax(input, a) : F.softmax(input, a);
                using Tensor flat = input.reshape(input.shape[..(int)a].Aggregate(1L, (p, d) => p * d), -1);
                using Tensor y = log ? F.log_softmax(flat, 1) : F.softmax(flat, 1);
                return y.reshape(input.shape);
            }
        );
    }

    private static IGraphOp Gelu(OnnxNodeContext c)
    {
        bool tanhApproximation = c.String("approximate", "none") == "tanh";
        return Unary(x =>
            tanhApproximation ? x * 0.5 * (1 + (Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh()) : F.gelu(x)
        );
    }

    /// <summary>The ops of a LayerNormalization node, one per output: Y, then Mean and InvStdDev (over the
    /// normalised axes, kept as size-1 dimensions).</summary>
    public static IReadOnlyList<IGraphOp> LayerNormOutputs(OnnxNodeContext c)
    {
        long axis = c.Int("axis", -1);
        double epsilon = c.Float("epsilon", 1e-5f);
        long[] Axes(Tensor x) =>
            Enumerable
                .Range((int)(axis < 0 ? axis + x.dim() : axis), (int)(x.dim() - (axis < 0 ? axis + x.dim() : axis)))
                .Select(a => (long)a)
                .ToArray();
        var ops = new List<IGraphOp> { LayerNorm(c) };
        if (c.Proto.Output.Count > 1)
            ops.Add(new FunctionOp((x, _) => x[0]!.mean(Axes(x[0]!), keepdim: true)));
        if (c.Proto.Output.Count > 2)
            ops.Add(
                new FunctionOp((x, _) => (x[0]!.var(Axes(x[0]!), unbiased: false, keepdim: true) + epsilon).rsqrt())
            );
        return ops;
    }

    private static IGraphOp LayerNorm(OnnxNodeContext c)
    {
        return new LayerNormOp(
            c.Name,
            c.Constant(1),
            c.OptionalConstant(2),
            c.Int("axis", -1),
            c.Float("epsilon", 1e-5f)
        );
    }

    private static IGraphOp Cast(OnnxNodeContext c)
    {
        var to = (TensorProto.Types.DataType)c.Int("to", 1);
        ScalarType type = to switch
        {
            TensorProto.Types.DataType.Float => ScalarType.Float32,
            TensorProto.Types.DataType.Double => ScalarType.Float64,
            TensorProto.Types.DataType.Float16 => ScalarType.Float16,
            TensorProto.Types.DataType.Bfloat16 => ScalarType.BFloat16,
            TensorProto.Types.DataType.Int64 => ScalarType.Int64,
            TensorProto.Types.DataType.Int32 => ScalarType.Int32,
            TensorProto.Types.DataType.Int8 => ScalarType.Int8,
            TensorProto.Types.DataType.Uint8 => ScalarType.Byte,
            TensorProto.Types.DataType.Bool => ScalarType.Bool,
            _ => throw c.Error($"Cast to {to} is not supported."),
        };
        return new FunctionOp((x, _) => x[0]!.to_type(type));
    }

    private static IGraphOp Pad(OnnxNodeContext c)
    {
        string mode = c.String("mode", "constant");
        PaddingModes padding = mode switch
        {
            "constant" => PaddingModes.Constant,
            "reflect" => PaddingModes.Reflect,
            "edge" => PaddingModes.Replicate,
            _ => throw c.Error($"Pad mode '{mode}' is not supported."),
        };
        long[]? fixedPads = c.Ints("pads");
        float fixedValue = c.Float("value", 0f);
        return OnnxImporter.Elementwise(
            c,
            (x, _) =>
            {
                Tensor input = x[0]!;
                long[] pads = fixedPads ?? Values(x[1]!);
                double value =
                    fixedPads is null && x.Count > 2 && x[2] is { } v
                        ? v.to_type(ScalarType.Float64).item<double>()
                        : fixedValue;
                long rank = input.dim();
                long[] axes =
                    x.Count > 3 && x[3] is { } a
                        ? Values(a).Select(d => d < 0 ? d + rank : d).ToArray()
                        : Enumerable.Range(0, (int)rank).Select(i => (long)i).ToArray();
                // ONNX: all begins, then all ends, first axis first; torch: (begin, end) pairs, last axis first.
                var torchPads = new List<long>();
                for (int i = axes.Length - 1; i >= 0; i--)
                    torchPads.AddRange(new[] { pads[i], pads[i + axes.Length] });
                if (pads.Any(p => p < 0))
                    throw new InvalidOperationException("negative pads are not supported.");
                return F.pad(input, torchPads.ToArray(), padding, value);
            }
        );
    }

    private static IGraphOp ConstantOfShape(OnnxNodeContext c)
    {
        using Tensor fill = c.Attribute("value") is { T: { } proto } ? OnnxImporter.ToTensor(proto, c) : tensor(0f);
        double value = fill.to_type(ScalarType.Float64).flatten()[0].item<double>();
        ScalarType type = fill.dtype;
        return OnnxImporter.Elementwise(c, (x, _) => full(Values(x[0]!), value, type, x[0]!.device));
    }

    private static Tensor Expand(Tensor x, long[] shape)
    {
        // ONNX's Expand broadcasts both ways: a 1 in the shape keeps the input's size.
        int rank = Math.Max(shape.Length, (int)x.dim());
        long[] target = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long fromShape = i - (rank - shape.Length) >= 0 ? shape[i - (rank - shape.Length)] : 1;
            long fromInput = i - (rank - (int)x.dim()) >= 0 ? x.shape[i - (rank - (int)x.dim())] : 1;
            target[i] = fromShape == 1 ? fromInput : fromShape;
        }
        return x.expand(target).contiguous();
    }

    private static Tensor Fold(IReadOnlyList<Tensor?> inputs, Func<Tensor, Tensor, Tensor> combine)
    {
        Tensor result = inputs[0]!.alias();
        foreach (Tensor? next in inputs.Skip(1))
        {
            Tensor combined = combine(result, next!);
            result.Dispose();
            result = combined;
        }
        return result;
    }
}
