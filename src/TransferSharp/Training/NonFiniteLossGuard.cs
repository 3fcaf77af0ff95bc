namespace TransferSharp.Training;

/// <summary>Stops training before a step whose loss or objective is NaN or infinite; the best checkpoint is
/// kept.</summary>
public sealed class NonFiniteLossGuard : ITrainingCallback
{
    /// <inheritdoc />
    public void OnBeforeBackward(TrainingContext context, TrainingBatch batch)
    {
        bool finite =
            double.IsFinite(batch.LossValue)
            && (ReferenceEquals(batch.Objective, batch.Loss) || double.IsFinite(batch.Objective!.item<float>()));
        if (!finite)
            context.Fail(new NonFiniteLossException(context.Epoch + 1, batch.Number));
    }

    /// <summary>A finite loss can still give an infinite gradient (an overflow in backward): the step is
    /// skipped.</summary>
    public void OnAfterBackward(TrainingContext context, TrainingBatch batch)
    {
        foreach (var p in context.Model.Groups.SelectMany(g => g.All))
            if (p.grad is { } grad && !grad.isfinite().all().item<bool>())
            {
                context.Fail(new NonFiniteLossException(context.Epoch + 1, batch.Number, "gradient"));
                return;
            }
    }
}
