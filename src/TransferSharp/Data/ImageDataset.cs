namespace TransferSharp.Data;

/// <summary>A labelled image dataset: items and class names (index = label).</summary>
public sealed class ImageDataset
{
    /// <summary>Creates a dataset; <paramref name="leftOut"/>: the files the folder scan left out, and why.</summary>
    public ImageDataset(
        IReadOnlyList<LabeledImage> items,
        IReadOnlyList<string> classNames,
        string origin,
        IReadOnlyList<string>? leftOut = null
    )
    {
        Items = items;
        ClassNames = classNames;
        Origin = origin;
        LeftOut = leftOut ?? [];
    }

    /// <summary>The images.</summary>
    public IReadOnlyList<LabeledImage> Items { get; }

    /// <summary>Class names by index.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The path it was loaded from.</summary>
    public string Origin { get; }

    /// <summary>
    /// Files of the folder that are not data and were left out, one line each naming the file and why (a FIFO, a
    /// device): what a command shows as a warning.
    /// </summary>
    public IReadOnlyList<string> LeftOut { get; }

    /// <summary>Number of images.</summary>
    public int Count => Items.Count;

    /// <summary>The items' labels.</summary>
    public int[] Labels() => Items.Select(i => i.Label).ToArray();

    /// <summary>Images per class.</summary>
    public int[] CountsPerClass()
    {
        var counts = new int[ClassNames.Count];
        foreach (var item in Items)
            counts[item.Label]++;
        return counts;
    }

    /// <summary>The items at <paramref name="indices"/>, same classes.</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices) =>
        new(indices.Select(i => Items[i]).ToList(), ClassNames, Origin, LeftOut);

    /// <summary>Without the items whose source id is in <paramref name="sourceIds"/>.</summary>
    public ImageDataset Without(IReadOnlySet<string> sourceIds) =>
        new(Items.Where(i => !sourceIds.Contains(i.Source.Id)).ToList(), ClassNames, Origin, LeftOut);
}
