using System.CommandLine;
using Spectre.Console;
using TransferSharp.IO;
using TransferSharp.Training;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp cache info|clear: what the feature cache holds, and emptying it.</summary>
internal static class CacheCommand
{
    public static Command Create()
    {
        var command = new Command("cache", "The on-disk feature cache: what it holds (info), emptying it (clear).");
        var info = new Command("info", "Where the feature cache is, its files, sizes and when each was last used.");
        var clear = new Command("clear", "Remove every feature file from the cache folder.");
        foreach (Command sub in new[] { info, clear })
        {
            var folder = new Option<string?>("--cache-dir")
            {
                Description = "Feature cache folder (default $TRANSFERSHARP_CACHE, else ~/.cache/transfersharp).",
            };
            sub.Options.Add(folder);
            CommandRunner.Action(
                sub,
                (parse, _) =>
                {
                    string directory = parse.GetValue(folder) ?? CacheLocation.Default();
                    return sub == info ? Info(directory) : Clear(directory);
                }
            );
            command.Subcommands.Add(sub);
        }
        return command;
    }

    private static int Info(string directory)
    {
        var entries = FeatureCacheFolder.Entries(directory);
        Console.WriteLine($"feature cache: {directory} ({entries.Count} files, {Size(entries.Sum(e => e.Bytes))})");
        if (entries.Count == 0)
            return 0;
        var table = new Table().AddColumn("file").AddColumn("size").AddColumn("last used (UTC)").AddColumn("backbone");
        foreach (var e in entries.Reverse())
            table.AddRow(
                Markup.Escape(Path.GetFileName(e.Path)),
                Size(e.Bytes),
                e.LastUsedUtc.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(e.Key ?? "?")
            );
        AnsiConsole.Write(table);
        return 0;
    }

    private static int Clear(string directory)
    {
        long freed = FeatureCacheFolder.Clear(directory);
        Console.WriteLine($"feature cache {directory} cleared: {Size(freed)} freed");
        return 0;
    }

    private static string Size(long bytes) =>
        bytes >= 1 << 30 ? $"{bytes / (double)(1 << 30):F2} GB"
        : bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):F1} MB"
        : $"{bytes / 1024.0:F1} KB";
}
