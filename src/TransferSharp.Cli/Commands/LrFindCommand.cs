using System.CommandLine;
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Runs;
using TransferSharp.Training;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp lr-find: the learning-rate range test on the loop a fit would run.</summary>
internal static class LrFindCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var strategy = CommonOptions.Strategy(StrategyRegistry.FineTune.Name);
        var backbone = CommonOptions.Backbone();
        var size = CommonOptions.Size();
        var preprocessing = new PreprocessingFlags();
        var batch = CommonOptions.BatchSize();
        var spread = new Option<double?>("--lr-spread")
        {
            Description = "Geometric spread across groups (kept during the sweep).",
        };
        var steps = new Option<int>("--steps") { Description = "Sweep steps.", DefaultValueFactory = _ => 100 };
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("Folder for lr-find.json and lr-find.png.");
        var command = new Command(
            "lr-find",
            "Learning-rate range test: loss against learning rate, a suggested rate and a plot."
        )
        {
            data,
            strategy,
            backbone,
            size,
            batch,
            spread,
            steps,
            seed,
            output,
        };
        preprocessing.AddTo(command);
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                var options = new LearnerOptions
                {
                    Data = new DataOptions { Train = parse.GetValue(data) },
                    Model = new ModelOptions
                    {
                        Backbone = parse.GetValue(backbone)!,
                        Size = parse.GetValue(size),
                        Preprocessing = preprocessing.Read(parse),
                    },
                    Training = new TrainingOptions
                    {
                        BatchSize = parse.GetValue(batch),
                        LrSpread = parse.GetValue(spread),
                    },
                    Strategy = StrategyRegistry.Parse(parse.GetValue(strategy)!),
                    Seed = parse.GetValue(seed),
                };
                string folder = RunFolder.Prepare(parse.GetValue(output)!);
                var sweep = ConsoleProgress.Run(progress =>
                    LearningRateSearch.Run(options, parse.GetValue(steps), progress, cancellation)
                );
                LearningRateSearch.Save(sweep, options, folder);
                Console.WriteLine(
                    $"suggested learning rate (steepest descent): {sweep.Steepest:G3}; minimum/10: "
                        + $"{sweep.MinimumOverTen:G3}"
                );
                Console.WriteLine($"plot: {Path.Combine(folder, "lr-find.png")}");
                return 0;
            }
        );
        return command;
    }
}
