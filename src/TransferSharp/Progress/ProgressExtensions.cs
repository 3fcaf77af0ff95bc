namespace TransferSharp.Progress;

/// <summary>Tasks and messages on an <see cref="IProgress{T}"/> of <see cref="ProgressUpdate"/>; a null one reports
/// nothing.</summary>
public static class ProgressExtensions
{
    /// <summary>Starts a task of <paramref name="total"/> units (images, steps, epochs).</summary>
    public static ProgressTask Begin(this IProgress<ProgressUpdate>? progress, string description, long total) =>
        new(progress, description, total);

    /// <summary>Reports a one-line message.</summary>
    public static void Info(this IProgress<ProgressUpdate>? progress, string message) =>
        progress?.Report(new ProgressUpdate(ProgressKind.Message, 0, message, 0, 0));
}
