namespace TransferSharp.Strategies;

/// <summary>metrics.json: which arithmetic ran the frozen pass, and the check that chose it.</summary>
public sealed record FrozenPrecisionReport
{
    /// <summary>What was asked for (fp32, int8).</summary>
    public required string Requested { get; init; }

    /// <summary>What computed the features the head was fit on.</summary>
    public required string Used { get; init; }

    /// <summary>Why int8 was not used, when it was asked for and not used.</summary>
    public string? Reason { get; init; }

    /// <summary>Training images the int8 ranges were observed on.</summary>
    public int? CalibrationImages { get; init; }

    /// <summary>Weight levels each side of zero: 127, or 63 on a CPU without VNNI (its 16-bit sums would
    /// saturate).</summary>
    public int? WeightLevels { get; init; }

    /// <summary>Images the check scored (training images held out of the calibration, and the validation
    /// split).</summary>
    public int? CheckImages { get; init; }

    /// <summary>Out-of-fold accuracy of a linear probe on the check images' fp32 features.</summary>
    public double? CheckAccuracyFp32 { get; init; }

    /// <summary>The same on their int8 features (same folds, same weight decay).</summary>
    public double? CheckAccuracyInt8 { get; init; }

    /// <summary>Standard error of the per-image paired difference (int8 right minus fp32 right).</summary>
    public double? CheckStandardError { get; init; }

    /// <summary>How far below fp32 int8 may score, beyond the standard error, and still be used (accuracy, 0.003 =
    /// 0.3 points).</summary>
    public double? Tolerance { get; init; }

    /// <summary>Seconds spent on calibration and the check (fp32 passes, probes).</summary>
    public double? SecondsOverhead { get; init; }
}
