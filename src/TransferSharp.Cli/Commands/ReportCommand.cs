using System.CommandLine;
using TransferSharp.Reports;

namespace TransferSharp.Cli.Commands;

/// <summary>transfersharp report RUN: (re)builds the run's self-contained HTML report and prints its path.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var run = CommonOptions.Run();
        var command = new Command(
            "report",
            "Write RUN/report.html: one self-contained page of the run's curves, errors and analyses, readable "
                + "offline."
        )
        {
            run,
        };
        CommandRunner.Action(
            command,
            (parse, _) =>
            {
                Console.WriteLine(RunReport.Write(parse.GetValue(run)!));
                return 0;
            }
        );
        return command;
    }
}
