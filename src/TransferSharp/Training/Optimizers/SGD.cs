using TorchSharp;
using static TorchSharp.torch;

namespace TransferSharp.Training.Optimizers;

// Why: see AdamMath. Named as TorchSharp's own: checkpoints store the optimizer's type name and refuse another.
/// <summary>TorchSharp's SGD step (momentum, dampening, Nesterov) with every Scalar owned and disposed.</summary>
internal sealed class SGD(IEnumerable<TorchSharp.Modules.SGD.ParamGroup> groups, double lr)
    : TorchSharp.Modules.SGD(groups, lr)
{
    public override Tensor step(Func<Tensor>? closure = null) =>
        _step<ParamGroup>(
            group =>
            {
                var options = group.Options;
                double momentum = options.momentum!.Value,
                    decay = options.weight_decay!.Value,
                    lr = options.LearningRate!.Value;
                using Scalar decayScalar = decay,
                    momentumScalar = momentum,
                    keep = 1 - options.dampening!.Value,
                    rate = options.maximize!.Value ? lr : -lr;
                foreach (var param in group.Parameters)
                {
                    var state = (State)_state[param.Handle];
                    if (param.grad is not { } grad)
                        continue;
                    if (decay != 0)
                        grad = grad.add(param, decayScalar);
                    if (momentum != 0)
                    {
                        var buffer = state.momentum_buffer;
                        if (buffer is null)
                            state.momentum_buffer = buffer = grad.clone().detach().DetachFromDisposeScope();
                        else
                            buffer.mul_(momentumScalar).add_(grad, keep);
                        grad = options.nesterov!.Value ? grad.add(buffer, momentumScalar) : buffer;
                    }
                    param.add_(grad, rate);
                }
            },
            closure
        );
}
