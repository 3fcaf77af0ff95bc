using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TransferSharp.Training;

/// <summary>
/// Multinomial logistic regression with an L2 penalty on the weights (not the bias): mean cross-entropy +
/// decay/2 |W|^2, the objective of scikit-learn's LogisticRegression with C = 1 / (decay N), minimised by L-BFGS as
/// it does, every vector in libtorch (float64). The problem is convex, so a warm start from a nearby solution only
/// saves iterations. Written here rather than taken from a package: TorchSharp's LBFGS has no line search, and
/// MathNet's LimitedMemoryBfgsMinimizer (measured on 900 x 3,456 features) spent twice the loss evaluations' time in
/// its own managed vector code and throws its result away at the iteration cap.
/// </summary>
internal sealed class SoftmaxRegression : IDisposable
{
    // scikit-learn's defaults: stop when the largest gradient entry is below 1e-4, or when an iteration lowers the
    // loss by less than about 2.2e-9 of its size (scipy's ftol).
    private const double GradientTolerance = 1e-4;
    private const double FunctionTolerance = 2.2e-9;
    private const int Memory = 10;

    private readonly Tensor x;
    private readonly Tensor target;
    private readonly int classes;
    private readonly int width;

    /// <summary>A problem on standardised features [N, width] (any dtype) and labels [N].</summary>
    public SoftmaxRegression(Tensor standardized, Tensor labels, int classes)
    {
        x = standardized.to_type(ScalarType.Float64).DetachFromDisposeScope();
        target = labels.to_type(ScalarType.Int64).unsqueeze(1).DetachFromDisposeScope();
        this.classes = classes;
        width = (int)x.shape[1];
    }

    /// <summary>Parameters: the weights [classes, width] row by row, then the bias [classes].</summary>
    public int ParameterCount => classes * (width + 1);

    /// <summary>
    /// Minimises the penalised loss from <paramref name="start"/> (zeros when null) with at most <paramref
    /// name="maxIterations"/> L-BFGS iterations, each a backtracking (Armijo) line search along the two-loop direction.
    /// Returns the solution and the loss evaluations it took.
    /// </summary>
    public (double[] parameters, int evaluations) Minimize(
        double decay,
        double[]? start,
        int maxIterations,
        CancellationToken cancellation
    )
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor theta = start is null ? zeros(ParameterCount, ScalarType.Float64) : tensor(start, ScalarType.Float64);
        var (f, g) = Evaluate(theta, decay);
        int evaluations = 1;
        var history = new List<(Tensor s, Tensor y, double rho)>();
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            cancellation.ThrowIfCancellationRequested();
            // An iteration's temporaries (line-search trials, the direction) go with it; what the next needs moves out.
            using var iterationScope = NewDisposeScope();
            if (g.abs().max().item<double>() <= GradientTolerance)
                break;
            Tensor direction = Direction(g, history);
            double slope = g.dot(direction).item<double>();
            if (slope >= 0)
            {
                // Not a descent direction (rounding in the history): start the history again from the gradient.
                Forget(history, history.Count);
                direction = g.neg();
                slope = -g.dot(g).item<double>();
            }
            // The first step is scaled to the gradient (PyTorch's LBFGS does the same); later ones try the full step.
            double step = history.Count == 0 ? Math.Min(1.0, 1.0 / g.abs().sum().item<double>()) : 1.0;
            Tensor next = theta;
            double fNext = f;
            Tensor gNext = g;
            for (int tries = 0; tries < 30; tries++)
            {
                next = theta + step * direction;
                (fNext, gNext) = Evaluate(next, decay);
                evaluations++;
                if (fNext <= f + 1e-4 * step * slope)
                    break;
                // The minimum of the quadratic through f, the slope and fNext, kept within [0.1, 0.5] of the step.
                double quadratic = -slope * step * step / (2 * (fNext - f - slope * step));
                step = Math.Clamp(quadratic, 0.1 * step, 0.5 * step);
            }
            if (fNext > f)
                break; // no decrease left at double precision: converged as far as it can be
            Tensor s = next - theta,
                y = gNext - g;
            double ys = y.dot(s).item<double>();
            if (ys > 1e-12)
            {
                history.Add((s.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope(), 1 / ys));
                Forget(history, history.Count - Memory);
            }
            bool stalled = f - fNext <= FunctionTolerance * Math.Max(Math.Max(Math.Abs(f), Math.Abs(fNext)), 1);
            theta.Dispose();
            g.Dispose();
            (theta, f, g) = (next.MoveToOuterDisposeScope(), fNext, gNext.MoveToOuterDisposeScope());
            if (stalled)
                break;
        }
        return (theta.data<double>().ToArray(), evaluations);
    }

    // Drops the oldest count pairs (none when count <= 0), freeing their tensors.
    private static void Forget(List<(Tensor s, Tensor y, double rho)> history, int count)
    {
        for (int k = 0; k < count; k++)
        {
            history[0].s.Dispose();
            history[0].y.Dispose();
            history.RemoveAt(0);
        }
    }

    // The two-loop recursion: -H g for the inverse Hessian estimate H of the last pairs (s, y), scaled by s.y / y.y.
    private static Tensor Direction(Tensor g, List<(Tensor s, Tensor y, double rho)> history)
    {
        Tensor q = g.clone();
        var alphas = new double[history.Count];
        for (int k = history.Count - 1; k >= 0; k--)
        {
            alphas[k] = history[k].rho * history[k].s.dot(q).item<double>();
            q.add_(history[k].y, -alphas[k]);
        }
        if (history.Count > 0)
        {
            var (s, y, _) = history[^1];
            q.mul_(s.dot(y).item<double>() / y.dot(y).item<double>());
        }
        for (int k = 0; k < history.Count; k++)
        {
            double beta = history[k].rho * history[k].y.dot(q).item<double>();
            q.add_(history[k].s, alphas[k] - beta);
        }
        return q.neg_();
    }

    /// <summary>The penalised mean cross-entropy at <paramref name="theta"/> and its gradient.</summary>
    private (double value, Tensor gradient) Evaluate(Tensor theta, double decay)
    {
        Tensor w = theta.narrow(0, 0, (long)classes * width).view(classes, width);
        Tensor b = theta.narrow(0, (long)classes * width, classes);
        Tensor logProbabilities = F.log_softmax(x.mm(w.t()) + b, 1);
        double n = x.shape[0];
        double value =
            -logProbabilities.gather(1, target).sum().item<double>() / n + 0.5 * decay * w.pow(2).sum().item<double>();
        Tensor residual = logProbabilities.exp_().scatter_add_(1, target, full_like(target, -1.0, ScalarType.Float64));
        residual.div_(n);
        return (value, cat(new[] { residual.t().mm(x).add_(w, decay).flatten(), residual.sum(new long[] { 0 }) }));
    }

    /// <summary>Writes <paramref name="parameters"/> into <paramref name="head"/>'s linear layer.</summary>
    public void CopyTo(double[] parameters, ClassifierHead head)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor theta = tensor(parameters, ScalarType.Float64);
        head.Weight.copy_(theta.narrow(0, 0, (long)classes * width).view(classes, width));
        head.Bias.copy_(theta.narrow(0, (long)classes * width, classes));
    }

    /// <summary>The parameters of <paramref name="head"/>'s linear layer, in this problem's layout.</summary>
    public static double[] From(ClassifierHead head)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor flat = cat(new[] { head.Weight.flatten(), head.Bias }).to_type(ScalarType.Float64);
        return flat.data<double>().ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        x.Dispose();
        target.Dispose();
    }
}
