using TransferSharp.IO;

namespace TransferSharp.Sweeps;

/// <summary>How a sweep run's last attempt ended (status/NNN.json in the sweep folder): the fit's exit code, its wall
/// time, when it ended, and its error line when it failed.</summary>
public sealed record SweepStatus(int Index, int ExitCode, double Seconds, DateTimeOffset Ended, string? Error = null)
{
    /// <summary>The file of run <paramref name="index"/>.</summary>
    public static string PathOf(string sweepFolder, int index) =>
        System.IO.Path.Combine(sweepFolder, "status", $"{index:D3}.json");

    /// <summary>Writes it (atomically: a worker killed meanwhile leaves the previous one).</summary>
    public void Save(string sweepFolder)
    {
        string path = PathOf(sweepFolder, Index);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        Json.Write(path, this);
    }

    /// <summary>The last attempt of run <paramref name="index"/>, or null when none ended.</summary>
    public static SweepStatus? Load(string sweepFolder, int index) =>
        File.Exists(PathOf(sweepFolder, index)) ? Json.Read<SweepStatus>(PathOf(sweepFolder, index)) : null;
}
