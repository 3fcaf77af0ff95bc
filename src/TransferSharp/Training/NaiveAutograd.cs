using TorchSharp.Modules;

namespace TransferSharp.Training;

/// <summary>
/// The naive benchmark baseline's frozen parts: autograd tracks them, so every backward pass computes their gradients,
/// which are thrown away before the step. Nothing changes but the time.
/// </summary>
public sealed class NaiveAutograd : ITrainingCallback
{
    private List<Parameter>? tracked;

    /// <inheritdoc />
    public void OnBatchStart(TrainingContext context, TrainingBatch batch)
    {
        if (tracked is not null)
            return;
        tracked = context.Model.Groups.SelectMany(g => g.All).Where(p => !p.requires_grad).ToList();
        foreach (Parameter p in tracked)
            p.requires_grad_(true);
    }

    /// <inheritdoc />
    public void OnAfterBackward(TrainingContext context, TrainingBatch batch)
    {
        foreach (Parameter p in tracked ?? new())
            p.grad = null;
    }

    /// <inheritdoc />
    public void OnEpochTrained(TrainingContext context)
    {
        foreach (Parameter p in tracked ?? new())
        {
            p.requires_grad_(false);
            p.grad = null;
        }
        tracked = null;
    }
}
