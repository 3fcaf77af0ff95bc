using System.CommandLine;
using TransferSharp.Analysis;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.IO;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp advise: a recommended strategy from measurements of the data, explained.</summary>
internal static class AdviseCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var backbone = CommonOptions.Backbone();
        var preprocessing = new PreprocessingFlags();
        var size = CommonOptions.Size();
        var json = new Option<bool>("--json") { Description = "Print the measurements and the advice as JSON." };
        var command = new Command(
            "advise",
            "Recommend a strategy from N, P/N, the domain distance d, the frequency verdict and the channel count, "
                + "and explain why."
        )
        {
            data,
            backbone,
            size,
            json,
        };
        preprocessing.AddTo(command);
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                ImageDataset dataset = ImageFiles.Load(parse.GetValue(data) ?? EmbeddedData.TrainImages);
                using Backbone model = Backbone.Load(
                    parse.GetValue(backbone)!,
                    parse.GetValue(size),
                    preprocessing: preprocessing.Read(parse)
                );
                var (inputs, distance, frequency) = parse.GetValue(json)
                    ? AdviceMeasurements.Measure(model, dataset, null)
                    : ConsoleProgress.Run(progress => AdviceMeasurements.Measure(model, dataset, progress));
                Advice advice = StrategyAdvisor.Advise(inputs);
                if (parse.GetValue(json))
                {
                    Console.WriteLine(
                        Json.Serialize(
                            new
                            {
                                inputs,
                                advice,
                                domain_distance_per_group = distance?.PerGroup,
                                frequency_verdict = frequency?.Verdict,
                            }
                        )
                    );
                    return 0;
                }
                string layers = advice.FeatureLayers is { } l ? $", features from {string.Join(",", l)}" : "";
                if (advice.HeadLayers is { } head)
                    layers += $"; a fine-tuning head reads {string.Join(",", head)}";
                Console.WriteLine(
                    $"strategy: {advice.Strategy.Name} (adapter {advice.Adapter}{layers}); worth a pilot: "
                        + string.Join(", ", advice.Alternatives.Select(a => a.Name))
                );
                Console.WriteLine(advice.Explanation);
                if (frequency is not null)
                    Console.WriteLine(frequency.Verdict);
                return 0;
            }
        );
        return command;
    }
}
