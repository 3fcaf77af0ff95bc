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
                if (Multimodal.MultimodalModel.IsRun(parse.GetValue(run)!))
                    return ExportMultimodal(parse.GetValue(run)!, parse.GetValue(output)!);
                using SavedModel model = SavedModel.Load(parse.GetValue(run)!);
                string path = Path.GetFullPath(parse.GetValue(output)!);
                ModelExport.Write(model, path);
                Console.WriteLine(
                    $"exported {What(model)} on {model.Manifest.Backbone} to {path}: input "
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

    private static string What(SavedModel model) =>
        model.Members.Count == 0
            ? model.Manifest.Strategy
            : "an ensemble of " + string.Join(", ", model.Members.Select(m => $"{m.Name} (weight {m.Weight:0.###})"));

    private static int ExportMultimodal(string run, string output)
    {
        using var model = Multimodal.MultimodalModel.Load(run);
        string path = Path.GetFullPath(output);
        try
        {
            Multimodal.MultimodalExport.Write(model, path);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"error: {run}: {e.Message}");
            return 2;
        }
        var m = model.Manifest;
        Console.WriteLine(
            $"exported {Multimodal.MultimodalLearner.Name(m.Model)} on {m.Backbone} to {path}: inputs image [N, 3, "
                + $"{m.InputSize}, {m.InputSize}], record [N, {m.Record.Width}] (encoded; the encoders are in the "
                + $"file's metadata), present [N, 2]; output probabilities [N, {m.ClassNames.Count}]"
        );
        return 0;
    }
}
