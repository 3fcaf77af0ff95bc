namespace TransferSharp.IO;

/// <summary>Where TransferSharp keeps data it can recompute (frozen features, measured speeds).</summary>
public static class CacheLocation
{
    /// <summary>The default cache folder: $TRANSFERSHARP_CACHE, else $XDG_CACHE_HOME/transfersharp, else
    /// ~/.cache/transfersharp.</summary>
    public static string Default()
    {
        string? explicitDir = Environment.GetEnvironmentVariable("TRANSFERSHARP_CACHE");
        if (!string.IsNullOrEmpty(explicitDir))
            return explicitDir;
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = !string.IsNullOrEmpty(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "transfersharp");
    }
}
