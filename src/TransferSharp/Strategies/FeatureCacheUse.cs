namespace TransferSharp.Strategies;

/// <summary>How the feature cache served a run.</summary>
/// <param name="Hits">Vectors read from the cache.</param>
/// <param name="Misses">Vectors computed.</param>
/// <param name="Hit">Whether the whole extraction was skipped.</param>
/// <param name="Directory">The cache folder, or null when caching was off.</param>
public sealed record FeatureCacheUse(int Hits, int Misses, bool Hit, string? Directory);
