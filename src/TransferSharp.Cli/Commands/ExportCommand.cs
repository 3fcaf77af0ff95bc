using System.CommandLine;
using TransferSharp.Runs;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp export RUN --out model.onnx: the trained pipeline as one ONNX file.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var run = CommonOptions.Run();
        var output = CommonOptions.Out(
            "The ONNX file to write (input image [N, C, S, S] raw pixels, output probabilities)."
        );
        var command = new Command(
            "export",
            "Export a trained model as one ONNX file (normalisation, adapter, backbone, head, softmax) for ONNX "
                + "Runtime "
                + "or ML.NET."
        )
        {
            run,
            output,
        };
        CommandRunner.Action(
            command,
            (parse, cancellation) =>
            {
                using SavedModel model = SavedModel.Load(parse.GetValue(run)!);
                string path = Path.GetFullPath(parse.GetValue(output)!);
                ModelExport.Write(model, path);
                Console.WriteLine(
                    $"exported {model.Manifest.Strategy} on {model.Manifest.Backbone} to {path}: input "
                        + $"{ModelExport.InputName} [N, {model.ChannelInput?.Channels ?? 3}, "
                        + $"{model.Manifest.InputSize}, "
                        + $"{model.Manifest.InputSize}], output {ModelExport.OutputName} [N, "
                        + $"{model.Manifest.ClassNames.Count}]"
                );
                return 0;
            }
        );
        return command;
    }
}
