using System.Diagnostics;

namespace TransferSharp.Tests.Build;

/// <summary>build/TransferSharp.Models.targets, which copies the pretrained weights into every build's
/// output.</summary>
public class ModelFilesTests
{
    private static string Root => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    /// <summary>The global packages folder, as NuGet reports it, without a trailing slash.</summary>
    private static string PackagesFolder()
    {
        var (_, output) = Dotnet(Root, null, "nuget", "locals", "global-packages", "--list");
        string folder = output.Split(':', 2)[1].Trim();
        return folder.TrimEnd('/');
    }

    private static (int code, string output) Dotnet(string folder, string? packages, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        if (packages is not null)
            info.Environment["NUGET_PACKAGES"] = packages;
        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(300_000), "dotnet did not finish");
        return (process.ExitCode, output);
    }

    private static string Project()
    {
        string folder = TestPaths.NewTempDir("models-build");
        File.WriteAllText(
            Path.Combine(folder, "probe.csproj"),
            $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <Import Project="{Root}/build/TransferSharp.Models.targets" />
            </Project>
            """
        );
        File.WriteAllText(Path.Combine(folder, "Probe.cs"), "class Probe { }");
        return folder;
    }

    [Fact]
    public void WeightsAreCopiedWhenNugetPackagesHasNoTrailingSlash()
    {
        string folder = Project();
        string packages = PackagesFolder();
        Assert.False(packages.EndsWith('/'));
        var (code, output) = Dotnet(folder, packages, "build", "-o", Path.Combine(folder, "out"));
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(folder, "out/models/ResNet18Onnx/ResNet18.onnx")), output);
        Assert.True(File.Exists(Path.Combine(folder, "out/models/ResNetPrepOnnx/ResNetPreprocess.onnx")), output);
    }

    [Fact]
    public void AMissingModelFileFailsTheBuildWithItsPath()
    {
        string folder = Project();
        var (code, output) = Dotnet(folder, null, "build", "-p:TransferSharpModelsDir=/no/such/folder/");
        Assert.NotEqual(0, code);
        Assert.Contains("TransferSharp: the pretrained ResNet18 was not found in /no/such/folder/", output);
    }
}
