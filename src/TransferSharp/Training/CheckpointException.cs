namespace TransferSharp.Training;

/// <summary>A fit cannot resume, or a run is incomplete: the message says why and what to do.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>An error with its full message.</summary>
    public CheckpointException(string message)
        : base(message) { }
}
