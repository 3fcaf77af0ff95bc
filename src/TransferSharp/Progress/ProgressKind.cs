namespace TransferSharp.Progress;

/// <summary>What a <see cref="ProgressUpdate"/> reports.</summary>
public enum ProgressKind
{
    /// <summary>A task started; <see cref="ProgressUpdate.Total"/> holds its size.</summary>
    Started,

    /// <summary>A task moved forward; <see cref="ProgressUpdate.Completed"/> holds the units done so far.</summary>
    Advanced,

    /// <summary>A task's description changed (for example to show the current loss).</summary>
    Described,

    /// <summary>A task ended.</summary>
    Finished,

    /// <summary>A one-line message that belongs to no task (a cache hit, a chosen hyper-parameter).</summary>
    Message,
}
