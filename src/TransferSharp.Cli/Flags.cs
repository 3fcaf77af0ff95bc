namespace TransferSharp.Cli;

/// <summary>
/// Which command-line flag sets which library option, so that an <see cref="OptionException"/> (which names the
/// option's property, e.g. TrainingOptions.Epochs) reaches the user as the flag they typed (--epochs).
/// </summary>
internal static class Flags
{
    private static readonly Dictionary<string, string> byProperty = new(StringComparer.Ordinal);

    /// <summary>Records that <paramref name="flag"/> sets <paramref name="property"/>.</summary>
    public static void Map(string property, string flag)
    {
        lock (byProperty)
            byProperty[property] = flag;
    }

    /// <summary>The flag that sets <paramref name="property"/>, or the property itself.</summary>
    public static string For(string property)
    {
        lock (byProperty)
            return byProperty.TryGetValue(property, out string? flag) ? flag : property;
    }
}
