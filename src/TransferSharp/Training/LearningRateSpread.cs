namespace TransferSharp.Training;

/// <summary>Learning-rate spreads across layer groups, as values: one rate per group, earliest group first, the head
/// last.</summary>
public static class LearningRateSpread
{
    /// <summary>Every group at <paramref name="top"/>.</summary>
    public static double[] Uniform(double top, int groups) => Enumerable.Repeat(top, groups).ToArray();

    /// <summary>
    /// fastai's <c>slice(top / spread, top)</c>: geometric from <c>top / spread</c> at the earliest group to <c>top</c>
    /// at the head.
    /// </summary>
    public static double[] Geometric(double top, double spread, int groups)
    {
        if (groups == 1)
            return new[] { top };
        return Enumerable
            .Range(0, groups)
            .Select(i => top / Math.Pow(spread, (double)(groups - 1 - i) / (groups - 1)))
            .ToArray();
    }

    /// <summary>timm's layer decay: the head at <c>top</c>, each earlier group <paramref name="decay"/> times the
    /// next.</summary>
    public static double[] LayerDecay(double top, double decay, int groups) =>
        Enumerable.Range(0, groups).Select(i => top * Math.Pow(decay, groups - 1 - i)).ToArray();
}
