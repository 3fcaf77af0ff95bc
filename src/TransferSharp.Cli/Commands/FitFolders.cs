using System.CommandLine;
using System.CommandLine.Parsing;
using TransferSharp.IO;
using TransferSharp.Runs;
using TransferSharp.Training;

namespace TransferSharp.Cli.Commands;

/// <summary>
/// Where a fit writes: the run folder (refused when it holds a run, unless --overwrite), its hidden checkpoint folder
/// beside it, and --resume, which replays the interrupted fit's command line from there.
/// </summary>
internal static class FitFolders
{
    private const string CommandFile = "command.json";

    /// <summary>The interrupted fit's own command line when --resume comes alone, else <paramref
    /// name="parse"/>.</summary>
    public static ParseResult Replayed(ParseResult parse, FitFlags flags)
    {
        string? resume = parse.GetValue(flags.Resume);
        bool alone = flags.All.All(f =>
            f.option == flags.Resume || parse.GetResult(f.option) is null or { Implicit: true }
        );
        if (resume is null || !alone)
            return parse;
        string run = Path.GetFullPath(resume);
        string file = Path.Combine(RunFolder.CheckpointFolder(run), CommandFile);
        if (!File.Exists(file))
            throw new CheckpointException(
                $"{run}: no interrupted fit to resume ({file} not found); a fit writes it when it starts."
            );
        var command = Json.Read<StartedCommand>(file);
        if (Directory.Exists(command.Directory))
            Environment.CurrentDirectory = command.Directory; // its relative paths mean what they meant then
        ParseResult replayed = parse.RootCommandResult.Command.Parse(
            new[] { "fit" }.Concat(command.Arguments).Concat(new[] { "--resume", run }).ToArray()
        );
        if (replayed.Errors.Count > 0)
            throw new CheckpointException($"{file}: the stored command line no longer parses: {replayed.Errors[0]}");
        return replayed;
    }

    /// <summary>The run folder: --out, or the folder --resume names (they must agree when both are given).</summary>
    public static string Output(ParseResult parse, FitFlags flags)
    {
        string? resume = parse.GetValue(flags.Resume);
        string? output = parse.GetValue(flags.Output);
        if (output is null && resume is null)
            throw new OptionException("output folder", "is required: the run folder to write (or --resume RUN).");
        if (resume is not null && output is not null && Path.GetFullPath(resume) != Path.GetFullPath(output))
            throw new OptionException(
                "output folder",
                output,
                $"--resume continues {resume}; give that folder or none."
            );
        if (resume is not null && !Directory.Exists(RunFolder.CheckpointFolder(resume)))
            throw new CheckpointException(
                $"{resume}: no interrupted fit to resume ({RunFolder.CheckpointFolder(resume)} not found): its fit "
                    + "finished (the run is complete) or never started."
            );
        return output ?? resume!;
    }

    /// <summary>--checkpoint-every in minutes, checked.</summary>
    public static TimeSpan Every(double minutes) =>
        double.IsFinite(minutes) && minutes >= 0
            ? TimeSpan.FromMinutes(minutes)
            : throw new OptionException("--checkpoint-every", minutes, "must be 0 or more minutes.");

    /// <summary>
    /// Before a new fit: refuses a run folder that holds a run, and an interrupted fit's checkpoints, unless
    /// --overwrite; then records the command line for --resume.
    /// </summary>
    public static void Start(ParseResult parse, FitFlags flags, string output)
    {
        string checkpoints = RunFolder.CheckpointFolder(output);
        bool overwrite = parse.GetValue(flags.Overwrite);
        if (!overwrite && CheckpointStore.HasCheckpoint(checkpoints))
            throw new OptionException(
                "output folder",
                output,
                $"an interrupted fit left checkpoints in {checkpoints}: continue it with `transfersharp fit --resume "
                    + $"{output}`, or pass --overwrite to start afresh."
            );
        if (!overwrite && RunFolder.Occupied(output))
            throw new OptionException(
                "output folder",
                output,
                "the folder is not empty; pass --overwrite to replace the run in it (kept intact until the new run "
                    + "is complete), or choose another folder."
            );
        Directory.CreateDirectory(checkpoints);
        var arguments = parse.Tokens.Where(t => t.Type != TokenType.Command).Select(t => t.Value).ToList();
        Json.Write(
            Path.Combine(checkpoints, CommandFile),
            new StartedCommand { Directory = Environment.CurrentDirectory, Arguments = arguments }
        );
    }

    /// <summary>A fit's command line as it started: the working folder and the arguments after <c>fit</c>.</summary>
    private sealed record StartedCommand
    {
        public required string Directory { get; init; }
        public required IReadOnlyList<string> Arguments { get; init; }
    }
}
