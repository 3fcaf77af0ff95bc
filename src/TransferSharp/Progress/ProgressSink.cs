namespace TransferSharp.Progress;

/// <summary>Where long jobs report progress. The CLI renders it as progress bars; library users may log it or ignore it.</summary>
public interface IProgressSink
{
    /// <summary>Starts a task of <paramref name="total"/> units (images, epochs...).</summary>
    IProgressTask Begin(string description, long total);

    /// <summary>A one-line message (a cache hit, a chosen hyper-parameter...).</summary>
    void Info(string message);
}

/// <summary>One running task.</summary>
public interface IProgressTask : IDisposable
{
    /// <summary>Moves the task forward.</summary>
    void Advance(long amount);

    /// <summary>Replaces the task's description (e.g. to show the current loss).</summary>
    void Describe(string description);
}

/// <summary>Reports nothing.</summary>
public sealed class SilentProgress : IProgressSink, IProgressTask
{
    /// <summary>The shared instance.</summary>
    public static readonly SilentProgress Instance = new();

    /// <inheritdoc />
    public IProgressTask Begin(string description, long total) => this;

    /// <inheritdoc />
    public void Info(string message) { }

    /// <inheritdoc />
    public void Advance(long amount) { }

    /// <inheritdoc />
    public void Describe(string description) { }

    /// <inheritdoc />
    public void Dispose() { }
}
