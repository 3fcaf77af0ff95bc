namespace TransferSharp.Training;

/// <summary>Stops when validation has not improved for <c>patience</c> epochs.</summary>
public sealed class EarlyStopping : ITrainingCallback
{
    private readonly int patience;

    /// <summary>Creates the callback.</summary>
    public EarlyStopping(int patience) => this.patience = patience;

    /// <inheritdoc />
    public string? StopReason(TrainingContext context) =>
        context.History.EpochsSinceBest >= patience
            ? $"early stopping: no validation improvement for {patience} epochs"
            : null;
}
