using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using TransferSharp.Reports;
using TransferSharp.Sweeps;
using TransferSharp.Training;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp sweep plan|run|collect: a grid of fits (strategies x seeds x learning rates) run one folder
/// each, on one machine or as a job array, and collected into one table.</summary>
internal static class SweepCommand
{
    public static Command Create(Func<string[], ParseResult> parse)
    {
        var command = new Command(
            "sweep",
            "A grid of fits (strategies x seeds x learning rates): `plan` writes it, `run` runs it (all, one --index, "
                + "or a job array's share), `collect` gathers the scores into summary.csv and summary.html."
        );
        command.Subcommands.Add(Plan(parse));
        command.Subcommands.Add(Run());
        command.Subcommands.Add(Collect());
        return command;
    }

    private static Command Plan(Func<string[], ParseResult> parse)
    {
        var output = CommonOptions.Out("The sweep folder (sweep.json; the runs go under runs/).");
        var strategies = new Option<string>("--strategies")
        {
            Description = "Strategies, comma-separated (as `fit --strategy`).",
            Required = true,
        };
        var seeds = new Option<string>("--seeds")
        {
            Description = "Seeds, comma-separated.",
            DefaultValueFactory = _ => "0",
        };
        var rates = new Option<string?>("--lrs")
        {
            Description = "Learning rates, comma-separated (default: each strategy's own).",
        };
        var overwrite = new Option<bool>("--overwrite")
        {
            Description = "Replace a different plan in the folder, removing its runs.",
        };
        var fitArguments = new Argument<string[]>("fit-arguments")
        {
            Description = "After --: the arguments every run's `fit` gets (--data, --size, --epochs, ...).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("plan", "Expand the grid into sweep.json and print its runs.")
        {
            output,
            strategies,
            seeds,
            rates,
            overwrite,
            fitArguments,
        };
        CommandRunner.Action(
            command,
            (p, _) =>
            {
                string folder = p.GetValue(output)!;
                var plan = SweepPlan.Expand(
                    List(p.GetValue(strategies)),
                    List(p.GetValue(seeds)).Select(s => Number<int>("--seeds", s)).ToArray(),
                    List(p.GetValue(rates)).Select(r => Number<double>("--lrs", r)).ToArray(),
                    p.GetValue(fitArguments) ?? Array.Empty<string>()
                );
                // The fit arguments are checked now, not when the first worker starts.
                var errors = parse(plan.Arguments(plan.Runs[0], folder).ToArray()).Errors;
                if (errors.Count > 0)
                    throw new OptionException(
                        "fit-arguments",
                        string.Join(" ", plan.FitArguments),
                        string.Join("; ", errors.Select(e => e.Message))
                    );
                if (File.Exists(Path.Combine(folder, SweepPlan.FileName)))
                {
                    SweepPlan? existing;
                    try
                    {
                        existing = SweepPlan.Load(folder);
                    }
                    catch (InvalidDataException) when (p.GetValue(overwrite))
                    {
                        existing = null; // damaged or of another format: replaced as any other plan
                    }
                    bool same =
                        existing is not null
                        && existing.Runs.SequenceEqual(plan.Runs)
                        && existing.FitArguments.SequenceEqual(plan.FitArguments);
                    if (!same && !p.GetValue(overwrite))
                        throw new OptionException(
                            "--out",
                            folder,
                            $"holds another sweep's {SweepPlan.FileName}; pass --overwrite to replace it (its runs "
                                + "are removed)."
                        );
                    // The old grid's runs would pass for the new one's (same folder names): they go.
                    if (!same)
                    {
                        foreach (string old in new[] { "runs", "status" }.Select(d => Path.Combine(folder, d)))
                            if (Directory.Exists(old))
                                Directory.Delete(old, recursive: true);
                        File.Delete(Path.Combine(folder, SweepSummary.CsvFile));
                        File.Delete(Path.Combine(folder, SweepPage.FileName));
                    }
                }
                plan.Save(folder);
                foreach (SweepCell cell in plan.Runs)
                {
                    string lr = SweepPlan.RateText(cell.LearningRate) ?? "-";
                    Console.WriteLine(
                        $"{cell.Index, 4}  {cell.Strategy, -18} seed {cell.Seed, -4} lr {lr, -8} {cell.Folder}"
                    );
                }
                Console.WriteLine(
                    $"{plan.Runs.Count} runs planned in {Path.Combine(folder, SweepPlan.FileName)}; run them with "
                        + $"`transfersharp sweep run {folder}` (or a job array of {plan.Runs.Count}: deploy/)."
                );
                return 0;
            }
        );
        return command;
    }

    private static Command Run()
    {
        var sweep = new Argument<string>("sweep") { Description = "The sweep folder." };
        var index = new Option<int?>("--index")
        {
            Description =
                "Run this one (0-based). Default: the job array's share (JOB_COMPLETION_INDEX with "
                + "TRANSFERSHARP_SHARDS, or SLURM_ARRAY_TASK_ID: runs I, I+N, ...), else every run.",
        };
        var command = new Command(
            "run",
            "Run the sweep's fits that have not finished (each in its own process, into its folder); a re-run "
                + "skips finished ones."
        )
        {
            sweep,
            index,
        };
        CommandRunner.Action(
            command,
            (p, cancellation) =>
            {
                string folder = p.GetValue(sweep)!;
                SweepPlan plan = SweepPlan.Load(folder);
                int? one = p.GetValue(index);
                // The scheduler's variables matter only without --index (a pod may pass its own index).
                var cells = plan.ForWorker(one, one is null ? ShardIndex.FromEnvironment() : null);
                int failed = 0;
                foreach (SweepCell cell in cells)
                {
                    cancellation.ThrowIfCancellationRequested();
                    string what =
                        $"run {cell.Index} ({cell.Strategy}, seed {cell.Seed}"
                        + (SweepPlan.RateText(cell.LearningRate) is { } lr ? $", lr {lr})" : ")");
                    if (SweepSummary.IsDone(folder, cell))
                    {
                        Console.WriteLine($"sweep: {what} finished before; skipped");
                        continue;
                    }
                    Console.WriteLine($"sweep: {what} -> {Path.Combine(folder, cell.Folder)}");
                    var watch = Stopwatch.StartNew();
                    var (code, error) = Fit(plan.Arguments(cell, folder), cancellation);
                    double seconds = Math.Round(watch.Elapsed.TotalSeconds, 2);
                    new SweepStatus(cell.Index, code, seconds, DateTimeOffset.Now, error).Save(folder);
                    if (code != 0)
                    {
                        failed++;
                        Console.Error.WriteLine($"sweep: {what} failed (exit {code}); the other runs go on");
                    }
                }
                Console.WriteLine(
                    $"sweep: {cells.Count} run(s) taken, {failed} failed; `transfersharp sweep collect {folder}` "
                        + "gathers the scores"
                );
                return failed > 0 ? 1 : 0;
            }
        );
        return command;
    }

    private static Command Collect()
    {
        var sweep = new Argument<string>("sweep") { Description = "The sweep folder." };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON instead of the table." };
        var command = new Command("collect", "Gather every run's scores into summary.csv and summary.html.")
        {
            sweep,
            json,
        };
        CommandRunner.Action(
            command,
            (p, _) =>
            {
                string folder = p.GetValue(sweep)!;
                SweepSummary summary = SweepSummary.Collect(folder);
                string csv = summary.WriteCsv(folder);
                string html = SweepPage.Write(folder, summary);
                if (p.GetValue(json))
                {
                    Console.WriteLine(TransferSharp.IO.Json.Serialize(summary));
                    return 0;
                }
                string F(double? mean, double? std) =>
                    mean is null ? "-" : $"{mean:F4}" + (std is { } s ? $" ± {s:F4}" : "");
                var table = new Table()
                    .AddColumn("strategy")
                    .AddColumn("lr")
                    .AddColumn("done")
                    .AddColumn("validation")
                    .AddColumn("test");
                foreach (SweepGroup g in summary.Groups)
                    table.AddRow(
                        g.Strategy,
                        SweepPlan.RateText(g.LearningRate) ?? "own",
                        $"{g.Done}/{g.Runs}",
                        F(g.ValMean, g.ValStd),
                        F(g.TestMean, g.TestStd)
                    );
                AnsiConsole.Write(table);
                Console.WriteLine($"{csv}\n{html}");
                return 0;
            }
        );
        return command;
    }

    // Each fit in its own process: a crash or a leak in one run leaves the others. Its output streams live; the last
    // error line is kept for the status file.
    private static (int code, string? error) Fit(IReadOnlyList<string> arguments, CancellationToken cancellation)
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            info.ArgumentList.Add(typeof(SweepCommand).Assembly.Location);
        foreach (string a in arguments)
            info.ArgumentList.Add(a);
        string? error = null;
        using var process = new Process { StartInfo = info };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
                return;
            Console.Error.WriteLine(line);
            if (line.StartsWith("error: ", StringComparison.Ordinal))
                error = line["error: ".Length..];
        };
        if (!process.Start())
            throw new IOException($"{host}: could not start a fit.");
        process.BeginErrorReadLine();
        using var stop = cancellation.Register(() => process.Kill(entireProcessTree: true));
        process.WaitForExit();
        cancellation.ThrowIfCancellationRequested();
        return (process.ExitCode, error);
    }

    private static string[] List(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static T Number<T>(string option, string text)
        where T : IParsable<T> =>
        T.TryParse(text, CultureInfo.InvariantCulture, out T? value)
            ? value
            : throw new OptionException(option, text, "is not a number.");
}
