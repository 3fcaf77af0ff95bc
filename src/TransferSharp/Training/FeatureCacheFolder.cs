namespace TransferSharp.Training;

/// <summary>The feature cache folder as a whole: its files, locks, orphan temporary files, eviction and
/// clearing.</summary>
public static class FeatureCacheFolder
{
    private static readonly TimeSpan lockWait = TimeSpan.FromMinutes(2);

    /// <summary>One feature file: its path, size, vectors' backbone key and when it was last used.</summary>
    public sealed record Entry(string Path, long Bytes, string? Key, DateTime LastUsedUtc);

    /// <summary>The feature files in <paramref name="directory"/>, least recently used first.</summary>
    public static IReadOnlyList<Entry> Entries(string directory)
    {
        if (!Directory.Exists(directory))
            return Array.Empty<Entry>();
        return Directory
            .EnumerateFiles(directory, "features-*.bin")
            .Select(f =>
            {
                var info = new FileInfo(f);
                string keyFile = System.IO.Path.ChangeExtension(f, ".key.txt");
                string? key = File.Exists(keyFile) ? File.ReadAllText(keyFile).Trim() : null;
                DateTime used =
                    info.LastAccessTimeUtc > info.LastWriteTimeUtc ? info.LastAccessTimeUtc : info.LastWriteTimeUtc;
                return new Entry(f, info.Length, key, used);
            })
            .OrderBy(e => e.LastUsedUtc)
            .ToList();
    }

    /// <summary>Removes every feature file (and its key, lock and temporary files); returns the bytes freed.</summary>
    public static long Clear(string directory)
    {
        if (!Directory.Exists(directory))
            return 0;
        long freed = 0;
        foreach (string f in Directory.EnumerateFiles(directory, "features-*"))
        {
            freed += new FileInfo(f).Length;
            File.Delete(f);
        }
        return freed;
    }

    /// <summary>Deletes the least recently used feature files until the folder holds at most <paramref
    /// name="limitBytes"/>, never <paramref name="keep"/>.</summary>
    public static void Evict(string directory, long limitBytes, string keep)
    {
        var entries = Entries(directory);
        long total = entries.Sum(e => e.Bytes);
        foreach (Entry e in entries)
        {
            if (total <= limitBytes)
                break;
            if (e.Path == keep)
                continue;
            File.Delete(e.Path);
            File.Delete(System.IO.Path.ChangeExtension(e.Path, ".key.txt"));
            total -= e.Bytes;
        }
    }

    /// <summary>Temporary files of writers that died before renaming them (their process is gone).</summary>
    public static void RemoveOrphans(string directory)
    {
        foreach (string temp in Directory.EnumerateFiles(directory, "features-*.tmp"))
        {
            // features-HASH.bin.PID.GUID.tmp
            string[] parts = System.IO.Path.GetFileName(temp).Split('.');
            if (parts.Length >= 4 && int.TryParse(parts[2], out int pid) && !IO.Processes.IsAlive(pid))
                File.Delete(temp);
        }
    }

    /// <summary>Takes the exclusive lock of a feature file (a lock file beside it), waiting while another process holds
    /// it.</summary>
    internal static IDisposable Lock(string file)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(file + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            // Held by another writer (EWOULDBLOCK on Linux, a sharing violation elsewhere): wait for it.
            catch (IOException) when (waited.Elapsed < lockWait)
            {
                Thread.Sleep(50);
            }
        }
    }
}
