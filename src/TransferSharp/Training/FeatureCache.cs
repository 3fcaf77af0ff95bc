using System.Security.Cryptography;
using System.Text;

namespace TransferSharp.Training;

/// <summary>
/// Backbone outputs per image, in memory and on disk, keyed by the backbone (name, weights hash), the preprocessing,
/// the input size and the image's content hash. A second run on the same images skips the backbone pass. One file per
/// backbone key: records of [32-byte content hash][width float32], then the SHA-256 of the records; written atomically,
/// and a file whose checksum does not match is discarded (recomputed), never trusted.
/// </summary>
public sealed class FeatureCache
{
    private readonly string? file;
    private readonly Dictionary<string, float[]> entries = new();
    private readonly object gate = new();
    private int added;

    /// <summary>Opens (or creates) the cache for <paramref name="featureKey"/> under <paramref name="directory"/>; null
    /// directory = memory only.</summary>
    public FeatureCache(string? directory, string featureKey, int width)
    {
        Width = width;
        if (directory is null)
            return;
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(featureKey)))[..24].ToLowerInvariant();
        Directory.CreateDirectory(directory);
        file = Path.Combine(directory, $"features-{hash}.bin");
        File.WriteAllText(Path.Combine(directory, $"features-{hash}.key.txt"), featureKey + "\n");
        if (File.Exists(file))
            Load(file);
    }

    /// <summary>Why the file on disk was not used (damaged, truncated, from an older version), or null.</summary>
    public string? Discarded { get; private set; }

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
            return entries.TryGetValue(contentKey, out features!);
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

    /// <summary>Writes the cache file (atomically: a temp file renamed over the old one) when vectors were
    /// added.</summary>
    public void Flush()
    {
        if (file is null)
            return;
        lock (gate)
        {
            if (added == 0)
                return;
            string temp = file + $".{Environment.ProcessId}.tmp";
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            using (var stream = new BufferedStream(File.Create(temp), 1 << 20))
            {
                var record = new byte[32 + 4 * Width];
                foreach (var (key, values) in entries)
                {
                    Convert.FromHexString(key).CopyTo(record, 0);
                    Buffer.BlockCopy(values, 0, record, 32, 4 * Width);
                    hash.AppendData(record);
                    stream.Write(record);
                }
                stream.Write(hash.GetHashAndReset());
            }
            File.Move(temp, file, overwrite: true);
            added = 0;
        }
    }

    private void Load(string path)
    {
        int record = 32 + 4 * Width;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return;
        }
        int length = bytes.Length - 32;
        if (length < 0 || length % record != 0)
        {
            Discarded = $"{path}: {bytes.Length} bytes, not whole records and a checksum; recomputed.";
            return;
        }
        if (!SHA256.HashData(bytes.AsSpan(0, length)).AsSpan().SequenceEqual(bytes.AsSpan(length)))
        {
            Discarded = $"{path}: the checksum does not match (damaged or from an older version); recomputed.";
            return;
        }
        for (int offset = 0; offset < length; offset += record)
        {
            string key = Convert.ToHexString(bytes, offset, 32);
            var values = new float[Width];
            Buffer.BlockCopy(bytes, offset + 32, values, 0, 4 * Width);
            entries[key] = values;
        }
    }
}
