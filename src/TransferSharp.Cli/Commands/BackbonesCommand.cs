using System.CommandLine;
using Spectre.Console;
using TransferSharp.Backbones;
using TransferSharp.IO;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp backbones: the registered pretrained backbones.</summary>
internal static class BackbonesCommand
{
    public static Command Create()
    {
        var command = new Command(
            "backbones",
            "List the registered pretrained backbones; 'backbones check model.onnx' checks a file of your own."
        )
        {
            Check(),
        };
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                var table = new Table()
                    .AddColumn("name")
                    .AddColumn("input")
                    .AddColumn("features")
                    .AddColumn("groups")
                    .AddColumn("weights (NuGet)")
                    .AddColumn("description");
                foreach (PretrainedConfig c in Registry.Entries)
                    table.AddRow(
                        c.Name,
                        c.InputSize.ToString(),
                        c.FeatureWidth.ToString(),
                        string.Join(",", c.LayerGroups),
                        Markup.Escape($"{c.Weights.PackageId} {c.Weights.PackageVersion}"),
                        Markup.Escape(c.Description)
                    );
                AnsiConsole.Write(table);
                return 0;
            }
        );
        return command;
    }

    private static Command Check()
    {
        var file = new Argument<string>("file") { Description = "The ONNX file (a CNN, classifier included or not)." };
        var size = CommonOptions.Size("A second input size to check at besides the file's own (default 64).");
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var command = new Command(
            "check",
            "Import an ONNX file, run it whole under TorchSharp and ONNX Runtime on the same random batch, and show "
                + "the differences, the layer groups and the features after the classifier cut."
        )
        {
            file,
            size,
            json,
        };
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                BackboneCheckReport report = BackboneCheck.Run(parse.GetValue(file)!, parse.GetValue(size));
                if (parse.GetValue(json))
                    Console.WriteLine(Json.Serialize(report));
                else
                    Print(report);
                return report.Passed ? 0 : 1;
            }
        );
        return command;
    }

    private static void Print(BackboneCheckReport r)
    {
        Console.WriteLine($"{r.File}: opset {r.Opset}, {r.Nodes} nodes, {r.Parameters:N0} parameters");
        foreach (BackboneParity p in r.Sizes)
            Console.WriteLine(
                $"  {p.Size}x{p.Size}: max_abs_diff {p.MaxAbsDiff:G3}, output_max_abs {p.OutputMaxAbs:G3} "
                    + (p.Passed ? "(passed)" : "(FAILED: above 1e-4 x max(1, output_max_abs))")
            );
        Console.WriteLine($"  any_size: {(r.AnySize ? "yes" : "no")}" + (r.OtherSizeError is { } e ? $" ({e})" : ""));
        Console.WriteLine(
            $"  features: {r.FeatureWidth} from '{r.FeatureTensor}' (classifier {r.Classifier}); first convolution "
                + $"'{r.FirstConvolution}'; {r.BatchNorms} BatchNorm layers"
        );
        var table = new Table()
            .AddColumn("group")
            .AddColumn("first node")
            .AddColumn("last node")
            .AddColumn("parameters")
            .AddColumn("stride");
        foreach (BackboneGroupInfo g in r.Groups)
            table.AddRow(
                g.Name,
                Markup.Escape(g.FirstNode),
                Markup.Escape(g.LastNode),
                g.Parameters.ToString("N0"),
                g.OutputStride.ToString()
            );
        AnsiConsole.Write(table);
        Console.WriteLine($"  input: {r.Normalization}" + (r.Sidecar is { } s ? $" (from {s})" : ""));
        foreach (string warning in r.Warnings)
            Console.WriteLine($"warning: {warning}");
    }
}
