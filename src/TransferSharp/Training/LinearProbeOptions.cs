namespace TransferSharp.Training;

/// <summary>Options of the multinomial logistic-regression head fitted on frozen features.</summary>
public sealed record LinearProbeOptions
{
    /// <summary>The L2 penalties tried (on standardised features); the best on the validation split wins. Default 1e-4
    /// .. 1 (log grid).</summary>
    public IReadOnlyList<double> WeightDecays { get; init; } =
        new[] { 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0 };

    /// <summary>How each fit is minimised. Default <see cref="HeadSolver.Lbfgs"/>.</summary>
    public HeadSolver Solver { get; init; } = HeadSolver.Lbfgs;

    /// <summary>Full-batch optimisation steps per fit: the most L-BFGS iterations (it stops sooner once converged), or
    /// Adam's fixed step count. Default 300.</summary>
    public int Steps { get; init; } = 300;

    /// <summary>Adam learning rate (cosine-decayed). Default 0.05.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>Seed of the head's initialisation.</summary>
    public int Seed { get; init; }

    /// <summary>Standardise each feature (true, default) or only centre them and scale all by one number (a head that
    /// fine-tuning continues from).</summary>
    public bool PerFeatureScale { get; init; } = true;

    /// <summary>Refit on training + validation with the chosen penalty (as scikit-learn's LogisticRegressionCV does).
    /// Default true.</summary>
    public bool RefitOnAll { get; init; } = true;
}
