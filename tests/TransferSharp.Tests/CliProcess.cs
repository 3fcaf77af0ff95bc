using System.Diagnostics;

namespace TransferSharp.Tests;

/// <summary>Runs the built CLI as a user would, in its own process with a fresh feature cache.</summary>
public static class CliProcess
{
    public static (int code, string stdout, string stderr) Run(params string[] args) =>
        RunWith(new Dictionary<string, string>(), args);

    public static (int code, string stdout, string stderr) RunWith(
        IReadOnlyDictionary<string, string> environment,
        params string[] args
    )
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "TransferSharp.Cli.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(cli);
        foreach (string a in args)
            info.ArgumentList.Add(a);
        info.Environment["TRANSFERSHARP_CACHE"] = TestPaths.NewTempDir("cli-cache");
        foreach (var (name, value) in environment)
            info.Environment[name] = value;
        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(),
            stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(300_000), "the CLI did not finish");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
