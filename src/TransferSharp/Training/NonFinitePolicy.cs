namespace TransferSharp.Training;

/// <summary>What the fit loop does when a loss or gradient becomes NaN or infinite.</summary>
public enum NonFinitePolicy
{
    /// <summary>Stop training and keep the best checkpoint so far (the default).</summary>
    Stop,

    /// <summary>Restore the state from before the epoch and retry it at a tenth of the learning rate, up to three
    /// times; then stop.</summary>
    ReduceLr,
}
