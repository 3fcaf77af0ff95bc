using System.Diagnostics;
using System.Security.Cryptography;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.IO;
using TransferSharp.Progress;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>
/// Sharded frozen-feature extraction, one process per shard (a scheduler's job array), into one folder:
/// <c>shard-KEY-I-of-N.bin</c> holds shard I's records ([32-byte content hash][width float32], the feature cache's
/// format) and their SHA-256, written atomically when the shard is done; until then records are appended to a
/// <c>.part</c> file batch by batch, so that a re-run resumes where a killed one stopped, and a finished shard is
/// skipped. The images are cut into batches in one order (the dataset's), and batch b goes to shard b mod N: every
/// batch holds the same images whatever N is, so the features are the same bits as one process's.
/// </summary>
public static class FeatureShards
{
    /// <summary>Computes shard <paramref name="shard"/> of <paramref name="sources"/>' features into <paramref
    /// name="directory"/> (nothing when it is already done); returns its record, also written as JSON beside
    /// it.</summary>
    public static ShardRecord Extract(
        Backbone backbone,
        IReadOnlyList<IImageSource> sources,
        ExtractionOptions options,
        ShardIndex shard,
        string directory,
        IProgress<ProgressUpdate>? progress,
        CancellationToken cancellation = default
    )
    {
        string key = options.Mirror ? backbone.MirroredFeatureKey : backbone.FeatureKey;
        string stem = Path.Combine(directory, Stem(key, shard));
        int width = backbone.FeatureWidth,
            size = 32 + 4 * width;
        Directory.CreateDirectory(directory);
        WriteKey(directory, key);
        // One process per shard: the .part file is held exclusively from here until the shard is sealed (a scheduler
        // may run an index twice).
        FileStream part;
        try
        {
            part = new FileStream(stem + ".part", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"{stem}.part: shard {shard} is being computed by another process ({e.Message}).");
        }
        using (part)
        {
            if (File.Exists(stem + ".bin") && File.Exists(stem + ".json"))
            {
                ShardRecord done = Json.Read<ShardRecord>(stem + ".json");
                using (var sealedShard = File.OpenRead(stem + ".bin"))
                    ReadRecords(sealedShard, stem + ".bin", width, checksummed: true);
                part.Dispose();
                File.Delete(stem + ".part");
                progress.Info($"shard {shard}: already done ({done.Images} images in {stem}.bin); skipped");
                return done with { Skipped = true };
            }
            var watch = Stopwatch.StartNew();
            List<int> mine = Positions(sources.Count, options.BatchSize, shard);
            var keys = new string[sources.Count];
            Parallel.ForEach(mine, i => keys[i] = FeatureCache.ContentKey(FeatureExtractor.ReadContent(sources[i])));
            // Resume: the records a stopped run appended; a torn last record is cut off, whole batches are skipped.
            part.SetLength(part.Length / size * size);
            var have = ReadRecords(part, stem + ".part", width, checksummed: false);
            var todo = mine.Chunk(options.BatchSize).Where(b => !b.All(i => have.ContainsKey(keys[i]))).ToList();
            int resumed = mine.Count - todo.Sum(b => b.Length);
            if (resumed > 0)
                progress.Info($"shard {shard}: {resumed} images' features found in {stem}.part; resuming");
            var bad = new List<BadImage>();
            Device device = options.Device ?? CPU;
            OnnxRuntimePass? onnx = FeatureExtractor.ChooseEngine(backbone, options, device);
            backbone.Network.eval();
            part.Seek(0, SeekOrigin.End);
            using (var task = progress.Begin($"shard {shard}: extracting features", todo.Sum(b => b.Length)))
            {
                var record = new byte[size];
                var positions = todo.SelectMany(b => b).ToList();
                foreach (
                    PixelBatch batch in ImageBatcher.Batches(
                        sources,
                        positions,
                        backbone.InputSize,
                        options.BatchSize,
                        options.SkipBad,
                        bad
                    )
                )
                {
                    cancellation.ThrowIfCancellationRequested();
                    float[] values = FeatureExtractor.Features(backbone, onnx, device, batch, options.Mirror);
                    for (int k = 0; k < batch.Positions.Length; k++)
                    {
                        Convert.FromHexString(keys[batch.Positions[k]]).CopyTo(record, 0);
                        Buffer.BlockCopy(values, 4 * k * width, record, 32, 4 * width);
                        part.Write(record);
                    }
                    part.Flush(flushToDisk: true);
                    task.Advance(batch.Positions.Length);
                }
            }
            var all = ReadRecords(part, stem + ".part", width, checksummed: false);
            WriteChecksummed(stem + ".bin", all, width);
            double seconds = watch.Elapsed.TotalSeconds;
            int computed = mine.Count - resumed - bad.Count;
            var result = new ShardRecord
            {
                Shard = shard.Index,
                Shards = shard.Count,
                FeatureKey = key,
                FeatureWidth = width,
                Images = all.Count,
                Computed = computed,
                Resumed = resumed,
                Skipped = false,
                BadImages = bad,
                Engine = onnx is null ? "torch" : "onnxruntime",
                Seconds = Math.Round(seconds, 3),
                ImagesPerSecond = computed > 0 ? Math.Round(computed / seconds, 2) : 0,
            };
            Json.Write(stem + ".json", result);
            // Last: a run stopped before this finds every record in .part and only seals the shard again.
            part.Dispose();
            File.Delete(stem + ".part");
            return result;
        }
    }

    /// <summary>
    /// Every shard's features for <paramref name="featureKey"/> in <paramref name="directory"/>, merged; an error names
    /// the folder and what is wrong: no shards for this backbone and layers, shards of different counts, shards missing
    /// (still running, or failed), a damaged file.
    /// </summary>
    public static (Dictionary<string, float[]> Features, int Shards) Load(
        string directory,
        string featureKey,
        int width
    )
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{directory}: feature shard folder not found.");
        string hash = Hash(featureKey);
        var files = Directory.GetFiles(directory, $"shard-{hash}-*-of-*.bin");
        if (files.Length == 0)
        {
            var keys = Directory
                .GetFiles(directory, "shard-*.key.txt")
                .Select(f => File.ReadAllText(f).Trim())
                .ToList();
            int running = Directory.GetFiles(directory, $"shard-{hash}-*.part").Length;
            string why =
                keys.Contains(featureKey) ? $"none is finished yet ({running} still running or stopped: run them again)"
                : featureKey.EndsWith("|mirrored", StringComparison.Ordinal)
                && keys.Contains(featureKey[..^"|mirrored".Length])
                    ? "the mirror images' features were not extracted: run extract with --tta"
                : keys.Count > 0
                    ? $"it holds features of: {string.Join("; ", keys)} (another backbone, input size, preprocessing "
                        + "or feature layers)"
                : "run `transfersharp extract --shard I/N --out` into it first";
            throw new InvalidDataException($"{directory}: no finished feature shards for {featureKey}; {why}.");
        }
        var counts = files.Select(f => int.Parse(Path.GetFileNameWithoutExtension(f).Split("-of-")[1])).Distinct();
        if (counts.Count() > 1)
            throw new InvalidDataException(
                $"{directory}: shards of different counts ({string.Join(", ", counts.Order())}) for one backbone; "
                    + "keep one extraction per folder."
            );
        int count = counts.Single();
        var missing = Enumerable
            .Range(0, count)
            .Where(i => !File.Exists(Path.Combine(directory, Stem(featureKey, new ShardIndex(i, count)) + ".bin")))
            .ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{directory}: shard(s) {string.Join(", ", missing)} of {count} are not finished (still running, or "
                    + "failed: run them again, finished ones are skipped)."
            );
        var merged = new Dictionary<string, float[]>();
        foreach (string file in files.Order())
        {
            using var stream = File.OpenRead(file);
            foreach (var (key, values) in ReadRecords(stream, file, width, checksummed: true))
                merged.TryAdd(key, values);
        }
        return (merged, count);
    }

    /// <summary>Whether <paramref name="directory"/> holds a finished shard of <paramref name="featureKey"/>.</summary>
    public static bool Has(string directory, string featureKey) =>
        Directory.Exists(directory) && Directory.GetFiles(directory, $"shard-{Hash(featureKey)}-*-of-*.bin").Length > 0;

    // Batch b of the dataset's order belongs to shard b mod N.
    private static List<int> Positions(int count, int batchSize, ShardIndex shard) =>
        Enumerable
            .Range(0, count)
            .Chunk(batchSize)
            .Where((_, b) => b % shard.Count == shard.Index)
            .SelectMany(b => b)
            .ToList();

    private static string Hash(string featureKey) => FeatureCache.KeyHash(featureKey);

    private static string Stem(string featureKey, ShardIndex shard) =>
        $"shard-{Hash(featureKey)}-{shard.Index:D4}-of-{shard.Count:D4}";

    // Records from the start of <paramref name="stream"/>, read in pieces (a shard may pass 2 GB); a sealed shard's
    // trailing SHA-256 is checked, a partial one's torn last record ignored.
    private static Dictionary<string, float[]> ReadRecords(Stream stream, string path, int width, bool checksummed)
    {
        int size = 32 + 4 * width;
        long length = checksummed ? stream.Length - 32 : stream.Length / size * size;
        if (checksummed && (length < 0 || length % size != 0))
            throw new InvalidDataException(
                $"{path}: {stream.Length} bytes, not whole records of {size} and a checksum; delete it and run its "
                    + "shard again."
            );
        stream.Seek(0, SeekOrigin.Begin);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var records = new Dictionary<string, float[]>();
        var record = new byte[size];
        for (long offset = 0; offset < length; offset += size)
        {
            stream.ReadExactly(record);
            hash.AppendData(record);
            var values = new float[width];
            Buffer.BlockCopy(record, 32, values, 0, 4 * width);
            records.TryAdd(Convert.ToHexString(record, 0, 32), values);
        }
        if (checksummed)
        {
            var stored = new byte[32];
            stream.ReadExactly(stored);
            if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored))
                throw new InvalidDataException(
                    $"{path}: the checksum does not match (damaged or truncated); delete it and run its shard again."
                );
        }
        return records;
    }

    // Every worker names the key; the first one writes the file (atomically), the others leave it.
    private static void WriteKey(string directory, string key)
    {
        string path = Path.Combine(directory, $"shard-{Hash(key)}.key.txt");
        if (File.Exists(path))
            return;
        try
        {
            AtomicFile.WriteAllText(path, key + "\n");
        }
        catch (IOException) when (File.Exists(path)) { }
    }

    private static void WriteChecksummed(string path, Dictionary<string, float[]> records, int width)
    {
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temp, FileMode.Create))
        {
            FeatureCache.WriteRecords(stream, records.OrderBy(r => r.Key, StringComparer.Ordinal), width);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
