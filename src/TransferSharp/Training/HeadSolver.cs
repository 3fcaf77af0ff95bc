namespace TransferSharp.Training;

/// <summary>How the logistic-regression head on frozen features is minimised.</summary>
public enum HeadSolver
{
    /// <summary>L-BFGS to convergence (as scikit-learn's LogisticRegression), warm-started along the penalty path: the
    /// exact optimum of each penalty, in seconds on thousands of features. The default.</summary>
    Lbfgs,

    /// <summary>Full-batch Adam with a cosine schedule for a fixed number of steps (the solver before 0.2);
    /// stops short of the optimum at small penalties, which regularises on its own.</summary>
    Adam,
}
