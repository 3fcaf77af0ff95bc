namespace TransferSharp.Backbones;

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
    /// <summary>Pads for <paramref name="inputSpatial"/>, and whether torch's own (symmetric, at most half a kernel)
    /// padding can apply them.</summary>
    public (long[] begin, long[] end, bool torchCanPad) TorchPadsFor(long[] inputSpatial)
    {
        var (begin, end) = PadsFor(inputSpatial);
        return (begin, end, IsSymmetric(begin, end) && begin.Select((p, i) => p <= Kernel[i] / 2).All(ok => ok));
    }

    public (long[] begin, long[] end) PadsFor(long[] inputSpatial)
    {
        if (AutoPad == AutoPad.NotSet)
            return (PadBegin, PadEnd);
        int d = Kernel.Length;
        var begin = new long[d];
        var end = new long[d];
        if (AutoPad == AutoPad.Valid)
            return (begin, end);
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
