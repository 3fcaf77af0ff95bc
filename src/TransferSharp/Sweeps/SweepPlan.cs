using System.Globalization;
using TransferSharp.IO;
using TransferSharp.Strategies;
using TransferSharp.Training;

namespace TransferSharp.Sweeps;

/// <summary>
/// sweep.json: a grid of fits (strategies x seeds x learning rates) over the same fit arguments, expanded into one
/// run folder each, so that a job array (Kubernetes Indexed Job, Slurm array) or one machine can run them.
/// </summary>
public sealed record SweepPlan
{
    /// <summary>The plan's file in a sweep folder.</summary>
    public const string FileName = "sweep.json";

    /// <summary>The format this version writes and reads.</summary>
    public const string CurrentFormat = "transfersharp-sweep/1";

    /// <summary>Flags the sweep sets per run; the shared fit arguments may not hold them.</summary>
    public static readonly IReadOnlyList<string> ManagedFlags = new[] { "--strategy", "--seed", "--lr", "--out" };

    /// <summary>The format.</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>The arguments every run's <c>fit</c> gets (data, size, epochs, ...).</summary>
    public required IReadOnlyList<string> FitArguments { get; init; }

    /// <summary>The runs, by index.</summary>
    public required IReadOnlyList<SweepCell> Runs { get; init; }

    /// <summary>The grid: every strategy with every learning rate (none: the strategy's own) and every
    /// seed.</summary>
    public static SweepPlan Expand(
        IReadOnlyList<string> strategies,
        IReadOnlyList<int> seeds,
        IReadOnlyList<double> learningRates,
        IReadOnlyList<string> fitArguments
    )
    {
        if (strategies.Count == 0)
            throw new OptionException("--strategies", "name at least one strategy.");
        if (seeds.Count == 0)
            throw new OptionException("--seeds", "name at least one seed.");
        foreach (string strategy in strategies.Where(s => s != StrategyRegistry.AutoName))
            StrategyRegistry.Parse(strategy);
        foreach (double rate in learningRates.Where(r => r is <= 0 or > 10 || !double.IsFinite(r)))
            throw new OptionException("--lrs", rate, "a learning rate must be above 0 (and at most 10).");
        foreach (string flag in ManagedFlags.Where(f => fitArguments.Any(a => a == f || a.StartsWith(f + "="))))
            throw new OptionException(
                flag,
                "is set by the sweep for each run (--strategies, --seeds, --lrs, the sweep's folder); leave it out "
                    + "of the fit arguments."
            );
        var rates = learningRates.Count > 0 ? learningRates.Select(r => (double?)r).ToList() : new() { null };
        var runs = new List<SweepCell>();
        foreach (string strategy in strategies)
        foreach (double? rate in rates)
        foreach (int seed in seeds)
        {
            int index = runs.Count;
            string lr = rate is not null ? "-lr" + RateText(rate) : "";
            runs.Add(new SweepCell(index, strategy, seed, rate, $"runs/{index:D3}-{strategy}{lr}-s{seed}"));
        }
        return new SweepPlan { FitArguments = fitArguments.ToArray(), Runs = runs };
    }

    /// <summary>A learning rate as folder names, tables and messages show it (4 significant digits); null for
    /// none.</summary>
    public static string? RateText(double? rate) => rate?.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>The command line of <paramref name="cell"/>'s fit, its folder under <paramref
    /// name="sweepFolder"/>.</summary>
    public IReadOnlyList<string> Arguments(SweepCell cell, string sweepFolder)
    {
        var args = new List<string> { "fit" };
        args.AddRange(FitArguments);
        args.AddRange(
            new[] { "--strategy", cell.Strategy, "--seed", cell.Seed.ToString(CultureInfo.InvariantCulture) }
        );
        if (cell.LearningRate is { } rate)
            args.AddRange(new[] { "--lr", rate.ToString("R", CultureInfo.InvariantCulture) });
        args.AddRange(new[] { "--out", Path.Combine(sweepFolder, cell.Folder), "--overwrite" });
        return args;
    }

    /// <summary>The runs a worker takes: <paramref name="index"/> alone when given; else, for worker I of N (a job
    /// array with fewer workers than runs), every run whose index is I modulo N; else all.</summary>
    public IReadOnlyList<SweepCell> ForWorker(int? index, ShardIndex? worker)
    {
        if (index is { } i)
        {
            if (i < 0 || i >= Runs.Count)
                throw new OptionException("--index", i, $"the sweep has runs 0 to {Runs.Count - 1}.");
            return new[] { Runs[i] };
        }
        if (worker is { } w)
            return Runs.Where(r => r.Index % w.Count == w.Index).ToArray();
        return Runs;
    }

    /// <summary>Writes sweep.json into <paramref name="folder"/>.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        Json.Write(Path.Combine(folder, FileName), this);
    }

    /// <summary>The plan in <paramref name="folder"/>; errors name the file.</summary>
    public static SweepPlan Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"{path}: not a sweep folder (no {FileName}; `transfersharp sweep plan` writes it)."
            );
        SweepPlan plan = Json.Read<SweepPlan>(path);
        if (plan.Format != CurrentFormat)
            throw new InvalidDataException(
                $"{path}: format '{plan.Format}'; this TransferSharp reads '{CurrentFormat}'."
            );
        return plan;
    }
}
