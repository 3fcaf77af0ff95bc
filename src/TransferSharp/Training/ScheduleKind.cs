namespace TransferSharp.Training;

/// <summary>The learning-rate schedule's shape.</summary>
public enum ScheduleKind
{
    /// <summary>Linear warm-up, then cosine decay to zero.</summary>
    Cosine,

    /// <summary>One-cycle: cosine up from top/25 to top over the first 25%, then cosine down to top/1e4.</summary>
    OneCycle,

    /// <summary>Linear warm-up, then constant.</summary>
    Constant,
}
