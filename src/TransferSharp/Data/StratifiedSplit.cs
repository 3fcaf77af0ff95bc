namespace TransferSharp.Data;

/// <summary>Deterministic, stratified splits and per-class subsets.</summary>
public static class StratifiedSplit
{
    /// <summary>
    /// Per class, a seeded shuffle, then round(count * fraction) (at least 1, never all) to validation. A class with
    /// fewer than 2 items cannot be split: an error names it and its count.
    /// </summary>
    public static (int[] train, int[] validation) Split(
        IReadOnlyList<int> labels,
        IReadOnlyList<string> classNames,
        double validationFraction,
        int seed
    )
    {
        var random = new Random(seed);
        var train = new List<int>();
        var validation = new List<int>();
        for (int c = 0; c < classNames.Count; c++)
        {
            var members = Enumerable.Range(0, labels.Count).Where(i => labels[i] == c).ToArray();
            if (validationFraction > 0 && members.Length < 2)
                throw new DataException(
                    $"class '{classNames[c]}' has {members.Length} image(s); a train/validation split needs at "
                        + $"least 2 per class."
                );
            random.Shuffle(members);
            int take =
                validationFraction <= 0
                    ? 0
                    : Math.Clamp((int)Math.Round(members.Length * validationFraction), 1, members.Length - 1);
            validation.AddRange(members.Take(take));
            train.AddRange(members.Skip(take));
        }
        train.Sort();
        validation.Sort();
        return (train.ToArray(), validation.ToArray());
    }

    /// <summary>At most <paramref name="perClass"/> items of each class, drawn with the seed; sorted indices.</summary>
    public static int[] TakePerClass(IReadOnlyList<int> labels, int perClass, int seed)
    {
        var random = new Random(seed);
        var kept = new List<int>();
        foreach (int c in labels.Distinct().Order())
        {
            var members = Enumerable.Range(0, labels.Count).Where(i => labels[i] == c).ToArray();
            random.Shuffle(members);
            kept.AddRange(members.Take(perClass));
        }
        kept.Sort();
        return kept.ToArray();
    }
}
