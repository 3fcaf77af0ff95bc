using TorchSharp;
using static TorchSharp.torch;

namespace TransferSharp.Training.Optimizers;

// Why: see AdamMath. Named as TorchSharp's own: checkpoints store the optimizer's type name and refuse another.
/// <summary>TorchSharp's AdamW step with every Scalar owned and disposed after use.</summary>
internal sealed class AdamW(IEnumerable<TorchSharp.Modules.AdamW.ParamGroup> groups, double lr)
    : TorchSharp.Modules.AdamW(groups, lr)
{
    public override Tensor step(Func<Tensor>? closure = null) =>
        _step<ParamGroup>(
            group =>
            {
                var options = (Options)group.Options;
                double lr = options.LearningRate!.Value,
                    decay = options.weight_decay!.Value;
                using Scalar shrink = 1 - lr * decay;
                foreach (var param in group.Parameters)
                {
                    var state = (State)_state[param.Handle];
                    if (param.grad is not { } grad)
                        continue;
                    state.step += 1;
                    param.mul_(shrink);
                    AdamMath.Update(
                        param,
                        options.maximize!.Value ? -grad : grad,
                        state.exp_avg,
                        state.exp_avg_sq,
                        ref state.max_exp_avg_sq,
                        state.step,
                        lr,
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
