namespace TransferSharp.Analysis;

/// <summary>Options of the diagnosis.</summary>
public sealed record ShiftDiagnosisOptions
{
    /// <summary>Significance level of every test. Default 0.05.</summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>Permutations of the MMD tests. Default 500.</summary>
    public int Permutations { get; init; } = 500;

    /// <summary>Bootstrap resamples of the prior intervals. Default 200.</summary>
    public int BootstrapResamples { get; init; } = 200;

    /// <summary>Seed of subsampling, permutations and bootstrap.</summary>
    public int Seed { get; init; }

    /// <summary>Throws <see cref="OptionException"/> naming the first bad value.</summary>
    public void Validate()
    {
        Limits.Range($"{nameof(ShiftDiagnosisOptions)}.{nameof(Permutations)}", Permutations, 19, 100_000);
        Limits.Interval($"{nameof(ShiftDiagnosisOptions)}.{nameof(Alpha)}", Alpha, 0, true, 1, true);
        Limits.Range($"{nameof(ShiftDiagnosisOptions)}.{nameof(BootstrapResamples)}", BootstrapResamples, 1, 100_000);
    }
}
