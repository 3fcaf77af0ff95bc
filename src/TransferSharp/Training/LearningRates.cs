namespace TransferSharp.Training;

/// <summary>Learning-rate spreads across layer groups, as values: one rate per group, earliest group first, the head last.</summary>
public static class LearningRateSpread
{
    /// <summary>Every group at <paramref name="top"/>.</summary>
    public static double[] Uniform(double top, int groups) => Enumerable.Repeat(top, groups).ToArray();

    /// <summary>
    /// fastai's <c>slice(top / spread, top)</c>: geometric from <c>top / spread</c> at the earliest group to <c>top</c> at the head.
    /// </summary>
    public static double[] Geometric(double top, double spread, int groups)
    {
        if (groups == 1) return new[] { top };
        return Enumerable.Range(0, groups).Select(i => top / Math.Pow(spread, (double)(groups - 1 - i) / (groups - 1))).ToArray();
    }

    /// <summary>timm's layer decay: the head at <c>top</c>, each earlier group <paramref name="decay"/> times the next.</summary>
    public static double[] LayerDecay(double top, double decay, int groups) =>
        Enumerable.Range(0, groups).Select(i => top * Math.Pow(decay, groups - 1 - i)).ToArray();
}

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

/// <summary>Schedules as pure functions of training progress in [0, 1], returning a multiplier of the group's rate.</summary>
public static class Schedules
{
    /// <summary>The multiplier at <paramref name="progress"/>.</summary>
    public static double Multiplier(ScheduleKind kind, double progress, double warmupFraction)
    {
        progress = Math.Clamp(progress, 0, 1);
        switch (kind)
        {
            case ScheduleKind.OneCycle:
            {
                const double start = 0.25, initialDiv = 25, finalDiv = 1e4;
                if (progress < start) return Anneal(1 / initialDiv, 1, progress / start);
                return Anneal(1, 1 / finalDiv, (progress - start) / (1 - start));
            }
            case ScheduleKind.Constant:
                return warmupFraction > 0 && progress < warmupFraction ? (progress + 1e-3) / warmupFraction : 1;
            default:
                if (warmupFraction > 0 && progress < warmupFraction) return (progress + 1e-3) / warmupFraction;
                double rest = warmupFraction >= 1 ? 1 : (progress - warmupFraction) / (1 - warmupFraction);
                return 0.5 * (1 + Math.Cos(Math.PI * rest));
        }
    }

    private static double Anneal(double from, double to, double t) => to + (from - to) * 0.5 * (1 + Math.Cos(Math.PI * t));
}
