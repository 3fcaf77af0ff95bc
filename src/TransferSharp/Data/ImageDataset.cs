namespace TransferSharp.Data;

/// <summary>A labelled image dataset: items and class names (index = label).</summary>
public sealed class ImageDataset
{
    /// <summary>Creates a dataset.</summary>
    public ImageDataset(IReadOnlyList<LabeledImage> items, IReadOnlyList<string> classNames, string origin)
    {
        Items = items;
        ClassNames = classNames;
        Origin = origin;
    }

    /// <summary>The images.</summary>
    public IReadOnlyList<LabeledImage> Items { get; }

    /// <summary>Class names by index.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The path it was loaded from.</summary>
    public string Origin { get; }

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
        new(indices.Select(i => Items[i]).ToList(), ClassNames, Origin);

    /// <summary>Without the items whose source id is in <paramref name="sourceIds"/>.</summary>
    public ImageDataset Without(IReadOnlySet<string> sourceIds) =>
        new(Items.Where(i => !sourceIds.Contains(i.Source.Id)).ToList(), ClassNames, Origin);
}
