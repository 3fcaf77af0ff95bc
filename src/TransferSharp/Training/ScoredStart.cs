using System.Diagnostics;
using TransferSharp.Progress;

namespace TransferSharp.Training;

/// <summary>
/// Epoch 0: the starting point is scored on validation before any training and competes for the best checkpoint, so a
/// fitted head (LP-FT, AdaBN, gradual unfreezing) is not thrown away by a bad first epoch.
/// </summary>
public sealed class ScoredStart : ITrainingCallback
{
    /// <inheritdoc />
    public void OnTrainingStart(TrainingContext context)
    {
        if (context.Validation is null)
            return;
        var watch = Stopwatch.StartNew();
        var (loss, accuracy) = context.Evaluate(context.Validation);
        var rates = context.Model.Groups.ToDictionary(g => g.Name, _ => 0.0);
        var start = new EpochResult(
            0,
            "start",
            double.NaN,
            double.NaN,
            loss,
            accuracy,
            rates,
            0,
            0,
            false,
            watch.Elapsed.TotalSeconds
        );
        context.History.SetStart(start);
        context.Progress.Info($"start: val loss {loss:F4} acc {accuracy:P1}");
    }
}
