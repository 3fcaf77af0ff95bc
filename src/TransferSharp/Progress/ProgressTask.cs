namespace TransferSharp.Progress;

/// <summary>
/// A running task that reports to an <see cref="IProgress{T}"/>; safe to advance from several threads. Disposing it
/// reports the task finished.
/// </summary>
public sealed class ProgressTask : IDisposable
{
    private static int lastId;
    private readonly IProgress<ProgressUpdate>? progress;
    private readonly long total;
    private long completed;
    private string description;
    private int finished;

    internal ProgressTask(IProgress<ProgressUpdate>? progress, string description, long total)
    {
        this.progress = progress;
        this.description = description;
        this.total = Math.Max(total, 1);
        Id = Interlocked.Increment(ref lastId);
        progress?.Report(new ProgressUpdate(ProgressKind.Started, Id, description, 0, this.total));
    }

    /// <summary>The task's id in its updates.</summary>
    public int Id { get; }

    /// <summary>Units done so far.</summary>
    public long Completed => Interlocked.Read(ref completed);

    /// <summary>Moves the task forward by <paramref name="amount"/> units.</summary>
    public void Advance(long amount)
    {
        long done = Interlocked.Add(ref completed, amount);
        progress?.Report(new ProgressUpdate(ProgressKind.Advanced, Id, description, done, total));
    }

    /// <summary>Replaces the task's description.</summary>
    public void Describe(string text)
    {
        description = text;
        progress?.Report(new ProgressUpdate(ProgressKind.Described, Id, text, Completed, total));
    }

    /// <summary>Reports the task finished (once).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref finished, 1) == 0)
            progress?.Report(new ProgressUpdate(ProgressKind.Finished, Id, description, Completed, total));
    }
}
