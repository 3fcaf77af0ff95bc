namespace TransferSharp.Training;

/// <summary>metrics.json: which arithmetic the training step's convolutions ran in under <c>--precision auto</c>, and
/// the check that chose it.</summary>
public sealed record TrainingPrecisionReport
{
    /// <summary>What was asked for (auto).</summary>
    public required string Requested { get; init; }

    /// <summary>What the training step ran (fp32, bf16).</summary>
    public required string Used { get; init; }

    /// <summary>Why bf16 was not used.</summary>
    public string? Reason { get; init; }

    /// <summary>Whether the CPU computes bf16 natively (AVX512_BF16 or AMX).</summary>
    public bool CpuBf16 { get; init; }

    /// <summary>Training images the check ran the network on.</summary>
    public int? CheckImages { get; init; }

    /// <summary>||g(bf16) - g(fp32)|| / ||g(fp32)||: the training step's gradient on the first half of those images
    /// with bf16 convolutions against fp32 ones.</summary>
    public double? GradientError { get; init; }

    /// <summary>||g'(fp32) - g(fp32)|| / ||g(fp32)||: the gradient on the other half against the first (the
    /// minibatch noise SGD trains with).</summary>
    public double? MinibatchNoise { get; init; }

    /// <summary>The largest GradientError / MinibatchNoise with which bf16 is used.</summary>
    public double? MaxErrorToNoise { get; init; }

    /// <summary>Seconds the check took.</summary>
    public double? Seconds { get; init; }
}
