using System.Security.Cryptography;
using TransferSharp.IO;

namespace TransferSharp.Runs;

/// <summary>Preparation of a run folder, and its replacement as one step.</summary>
public static class RunFolder
{
    /// <summary>
    /// The SHA-256 of every file of a saved run, in `sha256sum` format (so `sha256sum -c` checks it too); written last,
    /// it also marks the run complete.
    /// </summary>
    public const string ChecksumFile = "checksums.sha256";

    /// <summary>Files whose presence marks a folder as a TransferSharp run (which a new run may replace).</summary>
    public static readonly IReadOnlyList<string> RunMarkers = new[] { "model.json", "metrics.json" };

    /// <summary>
    /// Writes a run with <paramref name="write"/> into a staging folder beside <paramref name="path"/>, then puts it in
    /// place: a kill, a full disk or an error while writing leaves whatever was at <paramref name="path"/> as it was. A
    /// previous run there is replaced whole (no file of it stays beside the new one); a folder that holds other files
    /// and no run is refused.
    /// </summary>
    public static string Replace(string path, Action<string> write)
    {
        string target = Path.TrimEndingDirectorySeparator(Prepare(path));
        string parent = Path.GetDirectoryName(target)!;
        string name = Path.GetFileName(target);
        bool empty = !Directory.EnumerateFileSystemEntries(target).Any();
        if (!empty && !RunMarkers.Any(m => File.Exists(Path.Combine(target, m))))
            throw new OptionException(
                "output folder",
                path,
                "the folder is not empty and holds no run (no model.json or metrics.json); choose a new or empty one."
            );
        RemoveOrphans(parent, name);
        string staging = Path.Combine(parent, $".{name}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            write(staging);
            WriteChecksums(staging);
        }
        catch (IOException e)
        {
            TryDelete(staging);
            throw new IOException(
                $"{target}: the run could not be written ({e.Message}); nothing at {target} was changed.",
                e
            );
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
        // Two renames on one file system: between them the old run sits whole under .NAME.old-*, never half-replaced.
        string old = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
        Directory.Move(target, old);
        Directory.Move(staging, target);
        TryDelete(old);
        return target;
    }

    /// <summary>The hidden folder beside <paramref name="runFolder"/> where its fit keeps checkpoints until the run is
    /// saved (<c>runs/.x.checkpoint</c> for <c>runs/x</c>).</summary>
    public static string CheckpointFolder(string runFolder)
    {
        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(runFolder));
        return Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.checkpoint");
    }

    /// <summary>Whether <paramref name="runFolder"/> exists and holds anything.</summary>
    public static bool Occupied(string runFolder) =>
        Directory.Exists(runFolder) && Directory.EnumerateFileSystemEntries(runFolder).Any();

    /// <summary>
    /// Takes the write lock of <paramref name="runFolder"/> (an exclusive lock on a hidden file beside it, released
    /// when the process ends however it ends); a second writer is refused at once instead of mixing two runs.
    /// </summary>
    public static IDisposable Lock(string runFolder)
    {
        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(runFolder));
        string parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        string path = Path.Combine(parent, $".{Path.GetFileName(target)}.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new OptionException(
                "output folder",
                runFolder,
                $"another fit is writing this run folder (it holds {path}); wait for it to end or choose another "
                    + $"folder ({e.Message})."
            );
        }
    }

    /// <summary>Refuses a run folder whose fit was interrupted before it saved the run, naming the way to finish
    /// it.</summary>
    public static void RefuseIncomplete(string directory)
    {
        bool complete = RunMarkers.Any(m => File.Exists(Path.Combine(directory, m)));
        string checkpoints = CheckpointFolder(directory);
        if (!complete && Directory.Exists(checkpoints))
            throw new Training.CheckpointException(
                $"{directory}: the run is incomplete: its fit was interrupted before the run was saved (checkpoints "
                    + $"in {checkpoints}). Finish it with `transfersharp fit --resume {directory}` (in the library: "
                    + "LearnerOptions.Checkpoints with Resume = true)."
            );
    }

    /// <summary>
    /// Checks <paramref name="files"/> of the run in <paramref name="directory"/> against its <see
    /// cref="ChecksumFile"/>: a file changed, swapped or damaged since the run was saved raises an error naming it.
    /// Runs saved before checksums existed (no such file) are read as they are.
    /// </summary>
    public static void Verify(string directory, params string?[] files)
    {
        string listPath = Path.Combine(directory, ChecksumFile);
        if (!File.Exists(listPath))
            return;
        var expected = File.ReadAllLines(listPath)
            .Where(l => l.Length > 66)
            .ToDictionary(l => l[66..], l => l[..64], StringComparer.Ordinal);
        foreach (string? file in files)
        {
            if (file is null)
                continue;
            if (!expected.TryGetValue(file, out string? hash))
                throw new InvalidDataException($"{listPath}: has no checksum for {file}; the run folder was edited.");
            if (Sha256(Path.Combine(directory, file)) != hash)
                throw new InvalidDataException(
                    $"{Path.Combine(directory, file)}: its SHA-256 differs from {ChecksumFile} (the file was changed "
                        + "or damaged after the run was saved)."
                );
        }
    }

    private static void WriteChecksums(string folder)
    {
        var lines = Directory
            .EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .Select(f => $"{Sha256(Path.Combine(folder, f))}  {f}\n");
        AtomicFile.WriteAllText(Path.Combine(folder, ChecksumFile), string.Concat(lines));
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    // Staging folders of killed writers: their process is gone (a live one may still be writing its own).
    private static void RemoveOrphans(string parent, string name)
    {
        string prefix = $".{name}.partial-";
        foreach (string folder in Directory.EnumerateDirectories(parent, prefix + "*"))
        {
            string pid = Path.GetFileName(folder)[prefix.Length..].Split('-')[0];
            if (int.TryParse(pid, out int id) && !Processes.IsAlive(id))
                TryDelete(folder);
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover staging or old folder is hidden and harmless; the run itself is in place.
        }
    }

    /// <summary>Creates the folder and proves it writable, before any work; errors name the folder.</summary>
    public static string Prepare(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionException("output folder", path, $"the folder cannot be written ({e.Message}).");
        }
        return full;
    }
}
