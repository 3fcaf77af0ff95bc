using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>One training step's data as it moves through the loop; its tensors belong to the step's dispose
/// scope.</summary>
public sealed class TrainingBatch
{
    internal TrainingBatch(int number, Tensor index, Tensor labels, double rateMultiplier)
    {
        Number = number;
        Index = index;
        Labels = labels;
        RateMultiplier = rateMultiplier;
    }

    /// <summary>1-based batch number within the epoch.</summary>
    public int Number { get; }

    /// <summary>Rows of the training store.</summary>
    public Tensor Index { get; }

    /// <summary>Class indices on the model's device.</summary>
    public Tensor Labels { get; }

    /// <summary>The schedule's multiplier of every group's base rate for this step.</summary>
    public double RateMultiplier { get; set; }

    /// <summary>Normalised, augmented inputs; null when a cached frozen prefix serves the batch.</summary>
    public Tensor? Inputs { get; set; }

    /// <summary>The model's logits.</summary>
    public Tensor? Logits { get; internal set; }

    /// <summary>The data loss (cross-entropy with label smoothing, unless a callback replaced it).</summary>
    public Tensor? Loss { get; set; }

    /// <summary>The loss plus the regularizer's penalty: what is differentiated.</summary>
    public Tensor? Objective { get; internal set; }

    /// <summary>The loss as a number.</summary>
    public double LossValue { get; internal set; }
}
