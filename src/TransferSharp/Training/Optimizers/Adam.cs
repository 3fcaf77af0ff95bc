using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransferSharp.Training.Optimizers;

// Why: see AdamMath. Named as TorchSharp's own: checkpoints store the optimizer's type name and refuse another.
/// <summary>TorchSharp's Adam step (L2 penalty added to the gradient) with every Scalar owned and disposed.</summary>
internal sealed class Adam(IEnumerable<Parameter> parameters, double lr, double weightDecay = 0)
    : TorchSharp.Modules.Adam(parameters, lr, weight_decay: weightDecay)
{
    public override Tensor step(Func<Tensor>? closure = null) =>
        _step<ParamGroup>(
            group =>
            {
                var options = (Options)group.Options;
                double decay = options.weight_decay!.Value;
                using Scalar decayScalar = decay;
                foreach (var param in group.Parameters)
                {
                    var state = (State)_state[param.Handle];
                    if (param.grad is not { } grad)
                        continue;
                    if (options.maximize!.Value)
                        grad = -grad;
                    state.step += 1;
                    if (decay != 0)
                        grad = grad.add(param, decayScalar);
                    AdamMath.Update(
                        param,
                        grad,
                        state.exp_avg,
                        state.exp_avg_sq,
                        ref state.max_exp_avg_sq,
                        state.step,
                        options.LearningRate!.Value,
                        options.beta1!.Value,
                        options.beta2!.Value,
                        options.eps!.Value,
                        options.amsgrad!.Value
                    );
                }
            },
            closure
        );
}
