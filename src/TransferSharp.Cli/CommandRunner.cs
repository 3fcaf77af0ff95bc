using System.CommandLine;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Engine;

namespace TransferSharp.Cli;

/// <summary>Runs command bodies: a known bad input prints one clear line (exit 2), anything else its message (exit
/// 1).</summary>
internal static class CommandRunner
{
    /// <summary>Sets <paramref name="body"/> as the command's action, with Ctrl-C cancelling it.</summary>
    public static void Action(Command command, Func<ParseResult, CancellationToken, int> body) =>
        command.SetAction((parse, cancellation) => Task.FromResult(Guard(() => body(parse, cancellation))));

    /// <summary>Runs <paramref name="body"/>; errors become one line on standard error.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OptionException e)
        {
            string value = e.Value.Length > 0 ? $" {e.Value}" : "";
            return Fail($"{Flags.For(e.Option)}{value}: {e.Problem}", 2);
        }
        catch (OperationCanceledException)
        {
            return Fail("cancelled.", 130);
        }
        catch (Exception e)
            when (e
                    is DataException
                        or OnnxImportException
                        or UnknownBackboneException
                        or EngineException
                        or FileNotFoundException
                        or InvalidDataException
                        or Training.CheckpointException
                        or IOException
            )
        {
            return Fail(e.Message, 2);
        }
        catch (Exception e)
        {
            if (Environment.GetEnvironmentVariable("TRANSFERSHARP_DEBUG") == "1")
                Console.Error.WriteLine(e);
            return Fail($"{e.GetType().Name}: {e.Message}", 1);
        }
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
