namespace TransferSharp.Training;

/// <summary>Training stopped because the loss became NaN or infinite; the best checkpoint so far is kept.</summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteLossException(int epoch, int batch, string what = "loss")
        : base($"the training {what} became NaN or infinite at epoch {epoch}, batch {batch}")
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>1-based batch.</summary>
    public int Batch { get; }
}
