namespace TransferSharp.Sweeps;

/// <summary>One run of a sweep as collected: its cell, its state ("done", "failed", "pending") and, when done, its
/// scores and wall time from metrics.json; a failed run's exit code and error line.</summary>
public sealed record SweepRow(
    SweepCell Cell,
    string State,
    double? ValAccuracy,
    double? TestAccuracy,
    double? Seconds,
    int? ExitCode,
    string? Error = null
);
