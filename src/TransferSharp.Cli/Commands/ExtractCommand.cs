using System.CommandLine;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.IO;
using TransferSharp.Training;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp extract: one shard of the frozen features, for a scheduler's job array.</summary>
internal static class ExtractCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var test = new Option<string?>("--test")
        {
            Description = "Test images to extract as well (the folder `fit --test` will name).",
        };
        var backbone = CommonOptions.Backbone();
        var preprocessing = new PreprocessingFlags();
        var size = CommonOptions.Size();
        var features = new Option<string?>("--features")
        {
            Description = "Layer groups to read, as `fit --features` (default: the last group).",
        };
        var grid = new Option<int>("--feature-grid")
        {
            Description = "Grid pooling of intermediate groups, as `fit --feature-grid`.",
            DefaultValueFactory = _ => 1,
        };
        var tta = new Option<bool>("--tta") { Description = "Also the mirror images' features (for `fit --tta`)." };
        var batch = CommonOptions.BatchSize();
        var skipBad = CommonOptions.SkipBad();
        var shard = new Option<string?>("--shard")
        {
            Description =
                "I/N: this worker's shard, 0-based (default: the scheduler's: JOB_COMPLETION_INDEX with "
                + "TRANSFERSHARP_SHARDS on Kubernetes, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT on Slurm; else 0/1).",
        };
        var output = CommonOptions.Out(
            "Folder of feature shards (shared by every worker); fit reads it with " + "--features-from."
        );
        var json = new Option<bool>("--json") { Description = "Print the shard's record as JSON." };
        var command = new Command(
            "extract",
            "Compute one shard of the frozen backbone's features into a shared folder: N workers (a Kubernetes "
                + "Indexed Job, a Slurm job array, or N local processes) split the images by batches; a finished shard "
                + "is skipped, a stopped one resumes. `fit --features-from FOLDER` then fits on them all."
        )
        {
            data,
            test,
            backbone,
            size,
            features,
            grid,
            tta,
            batch,
            skipBad,
            shard,
            output,
            json,
        };
        preprocessing.AddTo(command);
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                ShardIndex index = parse.GetValue(shard) is { } text
                    ? ShardIndex.Parse(text)
                    : ShardIndex.FromEnvironment() ?? new ShardIndex(0, 1);
                var sources = ImageFiles
                    .Load(parse.GetValue(data) ?? EmbeddedData.TrainImages)
                    .Items.Select(i => i.Source)
                    .ToList();
                if (parse.GetValue(test) is { } testPath)
                    sources.AddRange(ImageFiles.Load(testPath, DatasetRole.Test).Items.Select(i => i.Source));
                if (sources.FirstOrDefault(s => s is IChannelSource) is { } array)
                    throw new DataException(
                        $"{array.Id}: multi-channel arrays go through an input adapter, whose features are not "
                            + "cached; sharded extraction covers 8-bit images.",
                        array.Id
                    );
                using Backbone network = Backbone.Load(
                    parse.GetValue(backbone)!,
                    parse.GetValue(size),
                    preprocessing: preprocessing.Read(parse)
                );
                if (parse.GetValue(features) is { } layers)
                    network.UseFeatureLayers(
                        layers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                        parse.GetValue(grid)
                    );
                // Workers sharing a machine each get their cores from DOTNET_PROCESSOR_COUNT (or a container's CPU
                // limit): libtorch follows what .NET sees, as ONNX Runtime does.
                TorchSharp.torch.set_num_threads(Environment.ProcessorCount);
                var options = new ExtractionOptions
                {
                    BatchSize = parse.GetValue(batch),
                    SkipBad = parse.GetValue(skipBad),
                };
                string folder = parse.GetValue(output)!;
                var records = new List<ShardRecord>();
                foreach (bool mirror in parse.GetValue(tta) ? new[] { false, true } : new[] { false })
                {
                    var run = options with { Mirror = mirror };
                    records.Add(
                        parse.GetValue(json)
                            ? FeatureShards.Extract(network, sources, run, index, folder, null, cancellation)
                            : ConsoleProgress.Run(progress =>
                                FeatureShards.Extract(network, sources, run, index, folder, progress, cancellation)
                            )
                    );
                }
                if (parse.GetValue(json))
                    Console.WriteLine(records.Count == 1 ? Json.Serialize(records[0]) : Json.Serialize(records));
                else
                    foreach (ShardRecord r in records)
                        Console.WriteLine(
                            $"shard {r.Shard}/{r.Shards}{(r.FeatureKey.EndsWith("|mirrored") ? " (mirrored)" : "")}: "
                                + (
                                    r.Skipped
                                        ? $"already done, {r.Images} images"
                                        : $"{r.Images} images ({r.Computed} computed, {r.Resumed} resumed) in "
                                            + $"{r.Seconds:F1} s, {r.ImagesPerSecond:F1} images/s on {r.Engine}"
                                )
                                + $" -> {folder}"
                        );
                return 0;
            }
        );
        return command;
    }
}
