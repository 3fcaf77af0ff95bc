using TransferSharp.IO;

namespace TransferSharp.Training;

/// <summary>
/// A fit's checkpoint folder (Keras' BackupAndRestore): the training state after every epoch, and what the fit was
/// asked (its options and data, as flat keys) so that a resume with other options or data is refused. Fits are numbered
/// in the order they start (pilots, then the final fit): a resume re-runs the fits before the checkpointed one,
/// continues that one from its last epoch, and writes checkpoints again from there on.
/// </summary>
public sealed class CheckpointStore
{
    private const string StateFile = "checkpoint.bin";
    private const string AskedFile = "fit.json";
    private const string DecisionFile = "decision.json";
    private readonly int? resumeFit;
    private int fits;

    private CheckpointStore(string folder, int? resumeFit, int epochsDone, TimeSpan? withinEpochEvery)
    {
        WithinEpochEvery = withinEpochEvery;
        Folder = folder;
        this.resumeFit = resumeFit;
        EpochsDone = epochsDone;
    }

    /// <summary>The checkpoint folder.</summary>
    public string Folder { get; }

    /// <summary>Time between checkpoints within an epoch; null: at epoch ends only.</summary>
    public TimeSpan? WithinEpochEvery { get; }

    /// <summary>Whether this store continues an earlier fit.</summary>
    public bool Resuming => resumeFit is not null;

    /// <summary>Epochs the checkpoint to resume from had done (0 when starting afresh).</summary>
    public int EpochsDone { get; }

    /// <summary>Whether <paramref name="folder"/> holds a checkpoint to resume from.</summary>
    public static bool HasCheckpoint(string folder) => File.Exists(Path.Combine(folder, StateFile));

    /// <summary>
    /// Opens <paramref name="folder"/>: afresh (an earlier checkpoint removed, <paramref name="asked"/> recorded), or,
    /// with <paramref name="resume"/>, to continue the checkpoint there after checking that it is intact and that
    /// <paramref name="asked"/> is what the interrupted fit was asked.
    /// </summary>
    public static CheckpointStore Open(
        string folder,
        bool resume,
        IReadOnlyDictionary<string, string> asked,
        TimeSpan? withinEpochEvery = null
    )
    {
        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        string state = Path.Combine(folder, StateFile);
        string askedPath = Path.Combine(folder, AskedFile);
        if (resume && File.Exists(askedPath))
            RefuseChanges(askedPath, asked);
        if (resume && File.Exists(state))
        {
            var (fit, epochsDone) = TrainingCheckpoint.Header(state);
            return new CheckpointStore(folder, fit, epochsDone, withinEpochEvery);
        }
        // Nothing to continue (no epoch had ended): the fit starts from the beginning, as it would have.
        File.Delete(state);
        Json.Write(askedPath, asked);
        return new CheckpointStore(folder, null, 0, withinEpochEvery);
    }

    /// <summary>
    /// Records what the fit decided to train (under <c>auto</c>: the advisor's and pilots' choice, made again on
    /// resume); a resume whose decision differs from the interrupted fit's is refused, since the checkpoint belongs to
    /// the other model.
    /// </summary>
    public void Decided(IReadOnlyDictionary<string, string> decided)
    {
        string path = Path.Combine(Folder, DecisionFile);
        if (Resuming && File.Exists(path))
            RefuseChanges(path, decided, "what the fit decided to train differs from the interrupted fit's decision");
        else
            Json.Write(path, decided);
    }

    /// <summary>Removes the folder (after the run is saved).</summary>
    public void Delete()
    {
        if (Directory.Exists(Folder))
            Directory.Delete(Folder, recursive: true);
    }

    internal string StatePath => Path.Combine(Folder, StateFile);

    /// <summary>Refuses to start training when the checkpoint folder's disk has less than <paramref name="bytes"/>
    /// free: better now than after the first epoch.</summary>
    internal void EnsureSpace(long bytes)
    {
        long free = new DriveInfo(Folder).AvailableFreeSpace;
        if (free < bytes)
            throw new CheckpointException(
                $"{Folder}: {free >> 20} MB free, but this fit's checkpoints need about {bytes >> 20} MB (the model, "
                    + "its optimizer moments and best weights, twice while a new checkpoint replaces the old); free "
                    + "space or write the run elsewhere."
            );
    }

    /// <summary>Numbers a fit that starts.</summary>
    internal int BeginFit() => fits++;

    /// <summary>Whether fit <paramref name="fit"/> continues from the checkpoint.</summary>
    internal bool ResumesAt(int fit) => fit == resumeFit;

    /// <summary>Whether fit <paramref name="fit"/> writes checkpoints: not the fits a resume re-runs before the
    /// checkpointed one, which would replace it.</summary>
    internal bool Saves(int fit) => resumeFit is null || fit >= resumeFit;

    private static void RefuseChanges(
        string path,
        IReadOnlyDictionary<string, string> asked,
        string what = "the data or options differ from the interrupted fit's"
    )
    {
        var before = Json.Read<Dictionary<string, string>>(path);
        var changed = before
            .Keys.Union(asked.Keys)
            .Order(StringComparer.Ordinal)
            .Where(k => before.GetValueOrDefault(k) != asked.GetValueOrDefault(k))
            .Select(k =>
                $"  {k}: {before.GetValueOrDefault(k) ?? "(none)"} -> {asked.GetValueOrDefault(k) ?? "(none)"}"
            )
            .ToList();
        if (changed.Count > 0)
            throw new CheckpointException(
                $"cannot resume: {what} ({path}):\n"
                    + string.Join("\n", changed)
                    + "\nresume with the same data and options (under auto, with --deterministic the pilots decide "
                    + "alike), or start a new fit."
            );
    }
}
