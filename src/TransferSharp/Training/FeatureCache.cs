using System.Security.Cryptography;
using System.Text;

namespace TransferSharp.Training;

/// <summary>
/// Backbone outputs per image, in memory and on disk, keyed by the backbone (name, weights hash), the preprocessing,
/// the input size and the image's content hash. A second run on the same images skips the backbone pass. One file per
/// backbone key: records of [32-byte content hash][width float32], then the SHA-256 of the records; written atomically,
/// and a file whose checksum does not match is discarded (recomputed), never trusted. Processes sharing a cache merge
/// their entries under a lock file; a cache that cannot be written (read-only, full disk) degrades to memory only with
/// a warning; a size limit evicts the least recently used files.
/// </summary>
public sealed class FeatureCache
{
    private readonly string? file;
    private readonly long? limitBytes;
    private readonly Dictionary<string, float[]> entries = new();
    private IReadOnlyDictionary<string, float[]>? preloaded;
    private readonly object gate = new();
    private int added;

    /// <summary>Opens (or creates) the cache for <paramref name="featureKey"/> under <paramref name="directory"/>; null
    /// directory = memory only; <paramref name="limitBytes"/> caps the folder's feature files.</summary>
    public FeatureCache(string? directory, string featureKey, int width, long? limitBytes = null)
    {
        Width = width;
        this.limitBytes = limitBytes;
        if (directory is null)
            return;
        string hash = KeyHash(featureKey);
        string path = Path.Combine(directory, $"features-{hash}.bin");
        try
        {
            Directory.CreateDirectory(directory);
            FeatureCacheFolder.RemoveOrphans(directory);
            File.WriteAllText(Path.Combine(directory, $"features-{hash}.key.txt"), featureKey + "\n");
            file = path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warning = $"feature cache {directory} cannot be written ({e.Message}); running without it.";
            return;
        }
        if (File.Exists(path))
            Discarded = Merge(path);
    }

    /// <summary>Why the file on disk was not used (damaged, truncated, from an older version), or null.</summary>
    public string? Discarded { get; private set; }

    /// <summary>Why the cache runs in memory only (an unwritable folder, a full disk), or null.</summary>
    public string? Warning { get; private set; }

    /// <summary>Width of one feature vector.</summary>
    public int Width { get; }

    /// <summary>Number of cached vectors.</summary>
    public int Count
    {
        get
        {
            lock (gate)
                return entries.Count;
        }
    }

    /// <summary>SHA-256 of an image's content, hex.</summary>
    public static string ContentKey(byte[] content) => Convert.ToHexString(SHA256.HashData(content));

    /// <summary>Looks a vector up.</summary>
    public bool TryGet(string contentKey, out float[] features)
    {
        lock (gate)
            return entries.TryGetValue(contentKey, out features!)
                || preloaded?.TryGetValue(contentKey, out features!) == true;
    }

    /// <summary>Vectors computed elsewhere (feature shards) to look up first; they are never written to the cache
    /// file.</summary>
    public void Preload(IReadOnlyDictionary<string, float[]> vectors)
    {
        if (vectors.Values.FirstOrDefault() is { } first && first.Length != Width)
            throw new ArgumentException($"expected {Width} values, got {first.Length}");
        lock (gate)
            preloaded = vectors;
    }

    /// <summary>Adds a vector (kept in memory until <see cref="Flush"/>).</summary>
    public void Add(string contentKey, float[] features)
    {
        if (features.Length != Width)
            throw new ArgumentException($"expected {Width} values, got {features.Length}");
        lock (gate)
        {
            if (entries.TryAdd(contentKey, features))
                added++;
        }
    }

    /// <summary>
    /// Writes the new vectors: under the file's lock, the entries another process wrote meanwhile are merged in, then
    /// the whole file is written to a temporary one and renamed over it. A write that fails (full disk) leaves the old
    /// file intact and turns the cache to memory only, with a <see cref="Warning"/>.
    /// </summary>
    public void Flush()
    {
        if (file is null)
            return;
        lock (gate)
        {
            if (added == 0 || Warning is not null)
                return;
            string temp = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            try
            {
                using (FeatureCacheFolder.Lock(file))
                {
                    if (File.Exists(file))
                        Merge(file);
                    Write(temp);
                    File.Move(temp, file, overwrite: true);
                }
                added = 0;
                if (limitBytes is { } limit)
                    FeatureCacheFolder.Evict(Path.GetDirectoryName(file)!, limit, keep: file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Warning =
                    $"feature cache {file} could not be written ({e.Message}); this run's features stay in memory.";
                TryDelete(temp);
            }
        }
    }

    private void Write(string temp)
    {
        using var stream = new BufferedStream(new FileStream(temp, FileMode.CreateNew), 1 << 20);
        WriteRecords(stream, entries, Width);
    }

    /// <summary>The file name's share of a feature key: the first 24 hex digits of its SHA-256.</summary>
    internal static string KeyHash(string featureKey) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(featureKey)))[..24].ToLowerInvariant();

    /// <summary>Records [32-byte content hash][width float32] and, last, their SHA-256: the cache file's format, which
    /// feature shards share.</summary>
    internal static void WriteRecords(Stream stream, IEnumerable<KeyValuePair<string, float[]>> records, int width)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var record = new byte[32 + 4 * width];
        foreach (var (key, values) in records)
        {
            Convert.FromHexString(key).CopyTo(record, 0);
            Buffer.BlockCopy(values, 0, record, 32, 4 * width);
            hash.AppendData(record);
            stream.Write(record);
        }
        stream.Write(hash.GetHashAndReset());
    }

    /// <summary>Adds the verified entries of <paramref name="path"/> that are not in memory yet; returns why the file
    /// was not used, or null.</summary>
    private string? Merge(string path)
    {
        int record = 32 + 4 * Width;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
            File.SetLastAccessTimeUtc(path, DateTime.UtcNow); // least-recently-used eviction reads this
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path}: cannot be read ({e.Message}); recomputed.";
        }
        int length = bytes.Length - 32;
        if (length < 0 || length % record != 0)
            return $"{path}: {bytes.Length} bytes, not whole records and a checksum; recomputed.";
        if (!SHA256.HashData(bytes.AsSpan(0, length)).AsSpan().SequenceEqual(bytes.AsSpan(length)))
            return $"{path}: the checksum does not match (damaged or from an older version); recomputed.";
        for (int offset = 0; offset < length; offset += record)
        {
            string key = Convert.ToHexString(bytes, offset, 32);
            if (entries.ContainsKey(key))
                continue;
            var values = new float[Width];
            Buffer.BlockCopy(bytes, offset + 32, values, 0, 4 * Width);
            entries[key] = values;
        }
        return null;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
