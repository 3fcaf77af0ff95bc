using System.CommandLine;
using System.Globalization;
using TransferSharp.Cli.Commands;
using TransferSharp.Engine;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// tcmalloc under libtorch when installed (faster training in less memory than glibc's malloc): a relaunch, before
// anything is loaded or printed. TRANSFERSHARP_ALLOCATOR=glibc keeps the process as it is.
try
{
    NativeAllocator.RelaunchWithPreferredAllocator();
}
catch (EngineException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

var root = new RootCommand("TransferSharp: transfer learning with pretrained CNNs on TorchSharp.");
Command fit = FitCommand.Create(out FitFlags flags);
root.Subcommands.Add(fit);
root.Subcommands.Add(LrFindCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(BackbonesCommand.Create());
root.Subcommands.Add(DatasetCommand.Create());
root.Subcommands.Add(DiagnoseCommand.Create());
root.Subcommands.Add(InspectCommand.Create());
root.Subcommands.Add(AdviseCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(CacheCommand.Create());
root.Subcommands.Add(ExtractCommand.Create());
root.Subcommands.Add(FuseCommand.Create());
root.Subcommands.Add(SweepCommand.Create(arguments => root.Parse(arguments)));
GroupedHelp.Install(root, fit, flags);
return await root.Parse(args).InvokeAsync();
