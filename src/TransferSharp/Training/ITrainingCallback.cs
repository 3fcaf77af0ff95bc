namespace TransferSharp.Training;

/// <summary>
/// Events of the fit loop (fastai's callbacks); every member has a no-op default. Features such as mixup, weight
/// averaging, the best checkpoint or the learning-rate finder are callbacks, each testable alone.
/// </summary>
public interface ITrainingCallback
{
    /// <summary>Before the first epoch.</summary>
    void OnTrainingStart(TrainingContext context) { }

    /// <summary>An epoch's plan is known (<see cref="TrainingContext.Plan"/>, which a callback may change), before
    /// freezing.</summary>
    void OnEpochStart(TrainingContext context) { }

    /// <summary>A batch's rows and labels are drawn; its rate multiplier may still change.</summary>
    void OnBatchStart(TrainingContext context, TrainingBatch batch) { }

    /// <summary>The batch's (augmented) inputs are built; <see cref="TrainingBatch.Inputs"/> may be replaced.</summary>
    void OnInputs(TrainingContext context, TrainingBatch batch) { }

    /// <summary>The loss is computed; <see cref="TrainingBatch.Loss"/> may be replaced.</summary>
    void OnLoss(TrainingContext context, TrainingBatch batch) { }

    /// <summary>The objective (loss plus penalties) is computed; <see cref="TrainingContext.Stop"/> skips the
    /// step.</summary>
    void OnBeforeBackward(TrainingContext context, TrainingBatch batch) { }

    /// <summary>Gradients are computed, the optimizer has not stepped.</summary>
    void OnAfterBackward(TrainingContext context, TrainingBatch batch) { }

    /// <summary>The optimizer stepped.</summary>
    void OnBatchEnd(TrainingContext context, TrainingBatch batch) { }

    /// <summary>The epoch's batches are done (also when it stopped early), before validation.</summary>
    void OnEpochTrained(TrainingContext context) { }

    /// <summary>After each epoch's validation; <paramref name="isBest"/> when it is the best so far.</summary>
    void OnEpochEnd(TrainingContext context, EpochResult result, bool isBest) { }

    /// <summary>Asked after each epoch: a non-null answer stops training, with that reason.</summary>
    string? StopReason(TrainingContext context) => null;

    /// <summary>After the last epoch; callbacks that choose the final weights run first.</summary>
    void OnTrainingEnd(TrainingContext context) { }
}
