namespace TransferSharp.Progress;

/// <summary>One progress report of a long job, delivered through <see cref="IProgress{T}"/>.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="TaskId">The task it belongs to (0 for messages); ids are unique within a process.</param>
/// <param name="Text">The task's description, or the message.</param>
/// <param name="Completed">Units done so far.</param>
/// <param name="Total">Units in all.</param>
public sealed record ProgressUpdate(ProgressKind Kind, int TaskId, string Text, long Completed, long Total);
