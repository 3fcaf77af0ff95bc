using System.CommandLine;
using Spectre.Console;
using TransferSharp.Multimodal;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp fuse: train an image + record model from a CSV and save its run folder.</summary>
internal static class FuseCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data")
        {
            Description =
                "CSV with an image path column (relative to the CSV's folder; empty: no image), a label column and "
                + "the record's columns.",
            Required = true,
        };
        var test = new Option<string?>("--test") { Description = "A labelled test CSV with the same columns." };
        var imageColumn = new Option<string>("--image-column")
        {
            Description = "The image path column (default: image, else path).",
            DefaultValueFactory = _ => "image",
        };
        var labelColumn = new Option<string>("--label-column")
        {
            Description = "The label column.",
            DefaultValueFactory = _ => "label",
        };
        var tabular = new Option<string?>("--tabular")
        {
            Description = "The record's columns, comma-separated (default: every other column).",
        };
        var types = new Option<string?>("--column-types")
        {
            Description =
                "Kinds given by hand, as name=kind,... (numeric, categorical, boolean, date); the others are inferred.",
        };
        var limit = new Option<int>("--categorical-limit")
        {
            Description = "One-hot slots of a categorical column: its most frequent values; the rest read as unknown.",
            DefaultValueFactory = _ => 32,
        };
        var models = new Option<string?>("--models")
        {
            Description =
                $"Candidates, comma-separated ({string.Join(", ", EnumValues.Names<FusionKind>())}; default: all); "
                + "the best on validation is kept.",
        };
        var dropout = new Option<double>("--modality-dropout")
        {
            Description = "Chance a training row loses its image (and as often its record) in the fusion models.",
            DefaultValueFactory = _ => 0.2,
        };
        var epochs = new Option<int>("--epochs")
        {
            Description = "Most epochs of each network (the best on validation kept).",
            DefaultValueFactory = _ => 120,
        };
        var hidden = new Option<int>("--hidden")
        {
            Description = "The MLP's hidden width.",
            DefaultValueFactory = _ => 128,
        };
        var features = new Option<string?>("--features")
        {
            Description = "Layer groups whose pooled features the image branch reads (default: the last).",
        };
        var imageStrategy = new Option<string?>("--image-strategy")
        {
            Description =
                "Tune the image branch first with this strategy (as `fit --strategy`: lp-ft, fine-tune, ...) on the "
                + "training split's images and labels; default: the pretrained backbone, frozen.",
        };
        var imageEpochs = new Option<int?>("--image-epochs") { Description = "Epochs of that fit (default: its own)." };
        var jointEpochs = new Option<int>("--joint-epochs")
        {
            Description =
                "Then tune the image branch and the chosen fusion model together, end to end, for this many epochs "
                + "(backbone groups at layer-decayed rates, unfrozen top down; kept only if validation improves). "
                + "Default 0: off.",
        };
        var jointRate = new Option<double>("--joint-rate")
        {
            Description = "The fusion head's rate in joint tuning; the last backbone group gets rate x decay.",
            DefaultValueFactory = _ => 1e-4,
        };
        var jointDecay = new Option<double>("--joint-layer-decay")
        {
            Description = "Each backbone group's rate over the next group's in joint tuning.",
            DefaultValueFactory = _ => 0.5,
        };
        var recordRate = new Option<double?>("--record-rate")
        {
            Description = "The record branch's own rate in joint tuning (default: --joint-rate).",
        };
        var jointAll = new Option<bool>("--joint-all")
        {
            Description = "Joint tuning trains every backbone group from the first epoch (default: one more an epoch).",
        };
        var valFraction = new Option<double>("--val-fraction")
        {
            Description = "Share held out for validation (stratified); it picks the model and its epoch.",
            DefaultValueFactory = _ => 0.2,
        };
        var noCache = new Option<bool>("--no-cache") { Description = "Do not read or write the feature cache." };
        var json = new Option<bool>("--json") { Description = "Print metrics.json instead of the table." };
        var overwrite = new Option<bool>("--overwrite")
        {
            Description = "Replace the run in --out (kept intact until the new one is saved).",
        };
        var backbone = CommonOptions.Backbone();
        var size = CommonOptions.Size();
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("Run folder to write (multimodal.json, the model, metrics.json).");
        var command = new Command(
            "fuse",
            "Train on images with a record each (a CSV: image path, label, other columns): image only, record only "
                + "(MLP and LightGBM), late fusion and FiLM on the frozen backbone's features; the best on validation "
                + "is kept (--joint-epochs then tunes the backbone with it, end to end). `predict` and `evaluate` take "
                + "a CSV of the same columns."
        )
        {
            data,
            test,
            imageColumn,
            labelColumn,
            tabular,
            types,
            limit,
            models,
            dropout,
            epochs,
            hidden,
            backbone,
            size,
            features,
            imageStrategy,
            imageEpochs,
            jointEpochs,
            jointRate,
            jointDecay,
            recordRate,
            jointAll,
            valFraction,
            seed,
            noCache,
            output,
            overwrite,
            json,
        };
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                var options = new MultimodalOptions
                {
                    Data = parse.GetValue(data)!,
                    Test = parse.GetValue(test),
                    ImageColumn = parse.GetValue(imageColumn)!,
                    LabelColumn = parse.GetValue(labelColumn)!,
                    Columns = parse.GetValue(tabular),
                    ColumnKinds = Kinds(parse.GetValue(types)),
                    CategoricalLimit = parse.GetValue(limit),
                    Candidates = Models(parse.GetValue(models)),
                    ModalityDropout = parse.GetValue(dropout),
                    Epochs = parse.GetValue(epochs),
                    Hidden = parse.GetValue(hidden),
                    Backbone = parse.GetValue(backbone)!,
                    Size = parse.GetValue(size),
                    FeatureLayers = parse
                        .GetValue(features)
                        ?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    ImageStrategy = parse.GetValue(imageStrategy),
                    ImageEpochs = parse.GetValue(imageEpochs),
                    JointEpochs = parse.GetValue(jointEpochs),
                    JointRate = parse.GetValue(jointRate),
                    JointLayerDecay = parse.GetValue(jointDecay),
                    RecordRate = parse.GetValue(recordRate),
                    JointGradual = !parse.GetValue(jointAll),
                    ValidationFraction = parse.GetValue(valFraction),
                    Seed = parse.GetValue(seed),
                    CacheDirectory = parse.GetValue(noCache) ? null : TransferSharp.IO.CacheLocation.Default(),
                };
                options.Validate();
                if (!parse.GetValue(overwrite) && Runs.RunFolder.Occupied(parse.GetValue(output)!))
                    throw new OptionException(
                        "--out",
                        parse.GetValue(output),
                        "the folder is not empty; pass --overwrite to replace the run in it (kept intact until the new "
                            + "run is saved)."
                    );
                string folder = Runs.RunFolder.Prepare(parse.GetValue(output)!);
                using var writing = Runs.RunFolder.Lock(folder);
                using MultimodalResult result = parse.GetValue(json)
                    ? MultimodalLearner.Fit(options, null, cancellation)
                    : ConsoleProgress.Run(progress => MultimodalLearner.Fit(options, progress, cancellation));
                result.Save(folder);
                Reports.RunReport.Write(folder);
                if (parse.GetValue(json))
                    Console.WriteLine(TransferSharp.IO.Json.Serialize(result.Report));
                else
                    Print(result.Report, folder);
                return 0;
            }
        );
        return command;
    }

    private static void Print(MultimodalReport report, string folder)
    {
        var table = new Table()
            .AddColumn("model")
            .AddColumn("val accuracy")
            .AddColumn("test accuracy")
            .AddColumn("seconds");
        foreach (CandidateScore s in report.Candidates)
            table.AddRow(
                (s.Model == report.Chosen ? "* " : "  ") + MultimodalLearner.Name(s.Model),
                s.ValAccuracy.ToString("F4"),
                s.TestAccuracy?.ToString("F4") ?? "-",
                s.Seconds.ToString("F1")
            );
        AnsiConsole.Write(table);
        foreach (string warning in report.Warnings)
            Console.Error.WriteLine($"warning: {warning}");
        Console.WriteLine(report.Advice);
        if (report.Joint is { } joint)
            Console.WriteLine(
                joint.Kept
                    ? $"joint tuning ({joint.Epochs} epochs, {joint.Unfreeze} unfreezing): validation "
                        + $"{joint.ValBefore:F4} -> {joint.ValAfter:F4}, epoch {joint.BestEpoch} kept"
                    : $"joint tuning ({joint.Epochs} epochs): no epoch improved on the frozen start; the frozen model "
                        + "kept"
            );
        Console.WriteLine(
            "importance (validation accuracy lost when shuffled): "
                + string.Join(", ", report.Importance.Take(8).Select(i => $"{i.Feature} {i.AccuracyDrop:F3}"))
        );
        if (report.TestAccuracy is { } accuracy)
            Console.WriteLine($"test accuracy: {accuracy:F4}");
        Console.WriteLine($"run saved to {folder} (metrics.json, multimodal.json, the model, report.html)");
    }

    private static Dictionary<string, ColumnKind> Kinds(string? text)
    {
        var kinds = new Dictionary<string, ColumnKind>(StringComparer.OrdinalIgnoreCase);
        foreach (string pair in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = pair.Split('=', StringSplitOptions.TrimEntries);
            if (
                parts.Length != 2
                || !Enum.TryParse(parts[1], ignoreCase: true, out ColumnKind kind)
                || !Enum.IsDefined(kind)
                || char.IsDigit(parts[1][0])
            )
                throw new OptionException(
                    "--column-types",
                    pair,
                    "expected name=kind, the kind one of numeric, categorical, boolean, date."
                );
            kinds[parts[0]] = kind;
        }
        return kinds;
    }

    private static FusionKind[] Models(string? text)
    {
        if (text is null)
            return Enum.GetValues<FusionKind>();
        var names = EnumValues.Names<FusionKind>().ToArray();
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name =>
                Array.IndexOf(names, name.ToLowerInvariant()) is var i and >= 0
                    ? Enum.GetValues<FusionKind>()[i]
                    : throw new OptionException(
                        "--models",
                        name,
                        $"unknown model; choose from {string.Join(", ", names)}."
                    )
            )
            .Distinct()
            .ToArray();
    }
}
