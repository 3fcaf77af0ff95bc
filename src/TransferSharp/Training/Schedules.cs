namespace TransferSharp.Training;

/// <summary>Schedules as pure functions of training progress in [0, 1], returning a multiplier of the group's
/// rate.</summary>
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
                const double start = 0.25,
                    initialDiv = 25,
                    finalDiv = 1e4;
                if (progress < start)
                    return Anneal(1 / initialDiv, 1, progress / start);
                return Anneal(1, 1 / finalDiv, (progress - start) / (1 - start));
            }
            case ScheduleKind.Constant:
                return warmupFraction > 0 && progress < warmupFraction ? (progress + 1e-3) / warmupFraction : 1;
            default:
                if (warmupFraction > 0 && progress < warmupFraction)
                    return (progress + 1e-3) / warmupFraction;
                double rest = warmupFraction >= 1 ? 1 : (progress - warmupFraction) / (1 - warmupFraction);
                return 0.5 * (1 + Math.Cos(Math.PI * rest));
        }
    }

    private static double Anneal(double from, double to, double t) =>
        to + (from - to) * 0.5 * (1 + Math.Cos(Math.PI * t));
}
