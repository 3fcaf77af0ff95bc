using TorchSharp;
using static TorchSharp.torch;

namespace TransferSharp.Training.Optimizers;

// TorchSharp 0.107's optimizers hand native calls Scalars converted implicitly from doubles and never disposed: the GC
// may finalize one while the call still reads it (seen in CI: "Expected false to be true" from Scalar::toDouble inside
// Adam.step; dotnet/TorchSharp#1434). The optimizers here, named as TorchSharp's, do the same arithmetic in the same
// order (the same bits) and keep every Scalar alive until its call returns. State and checkpoints stay TorchSharp's.

/// <summary>The moment updates and parameter step Adam and AdamW share, as TorchSharp orders them.</summary>
internal static class AdamMath
{
    public static void Update(
        Tensor param,
        Tensor grad,
        Tensor average,
        Tensor squares,
        ref Tensor? maxSquares,
        long step,
        double lr,
        double beta1,
        double beta2,
        double eps,
        bool amsgrad
    )
    {
        double correction1 = 1 - Math.Pow(beta1, step),
            correction2 = 1 - Math.Pow(beta2, step);
        using Scalar b1 = beta1,
            rest1 = 1 - beta1,
            b2 = beta2,
            rest2 = 1 - beta2,
            root = Math.Sqrt(correction2),
            epsilon = eps,
            stepSize = -(lr / correction1);
        average.mul_(b1).add_(grad, rest1);
        squares.mul_(b2).addcmul_(grad, grad, rest2);
        Tensor denominator;
        if (amsgrad)
        {
            var old = maxSquares!;
            maxSquares = maximum(old, squares).DetachFromDisposeScope();
            old.Dispose();
            denominator = maxSquares.sqrt().div(root).add_(epsilon);
        }
        else
            denominator = squares.sqrt().div(root).add_(epsilon);
        param.addcdiv_(average, denominator, stepSize);
    }
}
