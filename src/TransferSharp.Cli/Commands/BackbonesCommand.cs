using System.CommandLine;
using Spectre.Console;
using TransferSharp.Backbones;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp backbones: the registered pretrained backbones.</summary>
internal static class BackbonesCommand
{
    public static Command Create()
    {
        var command = new Command("backbones", "List the registered pretrained backbones.");
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
}
