using TransferSharp.Progress;

namespace TransferSharp.Tests;

/// <summary>Progress reported on the caller's thread, in order (System.Progress posts to the thread pool).</summary>
public sealed class SynchronousProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
{
    public void Report(ProgressUpdate value) => report(value);
}
