namespace TransferSharp.Training;

/// <summary>An input adapter learns with the head in every epoch, whatever the plan freezes.</summary>
public sealed class AdapterTrainsWithHead : ITrainingCallback
{
    /// <inheritdoc />
    public void OnEpochStart(TrainingContext context)
    {
        if (context.Model.AdapterIndex is not { } adapter || context.Plan.Modes[adapter] == GroupMode.Full)
            return;
        var modes = context.Plan.Modes.Select((m, g) => g == adapter ? GroupMode.Full : m).ToList();
        context.Plan = context.Plan with { Modes = modes };
    }
}
