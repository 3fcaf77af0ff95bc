using System.Runtime.InteropServices;

namespace TransferSharp.Engine;

/// <summary>
/// Which native allocator serves libtorch's CPU tensors: glibc's malloc fragments under a training step's large,
/// short-lived blocks, while tcmalloc keeps the peak near the live size (bench/README.md, "Allocator"). The allocator
/// is chosen when the process starts, so <see cref="RelaunchWithPreferredAllocator"/> re-executes the process (same
/// PID, arguments and streams) with tcmalloc preloaded when it is installed (Debian: libtcmalloc-minimal4).
/// TRANSFERSHARP_ALLOCATOR chooses: auto (the default), glibc, or the path of a malloc library.
/// </summary>
public static class NativeAllocator
{
    /// <summary>The environment variable that chooses the allocator.</summary>
    public const string Variable = "TRANSFERSHARP_ALLOCATOR";

    /// <summary>Set in the relaunched process (what it preloaded), so that it never relaunches again.</summary>
    public const string RelaunchedVariable = "TRANSFERSHARP_RELAUNCHED_WITH";

    /// <summary>Where Debian, Ubuntu and Fedora install tcmalloc (the minimal build: no heap profiler).</summary>
    public static readonly IReadOnlyList<string> TcmallocPaths = new[]
    {
        "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
        "/usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4",
        "/usr/lib64/libtcmalloc_minimal.so.4",
        "/usr/lib/libtcmalloc_minimal.so.4",
    };

    /// <summary>What to do at start: the library to preload (null: nothing), and why, in words for the run
    /// record.</summary>
    public sealed record Plan(string? Preload, string Reason);

    /// <summary>
    /// Decides from <c>TRANSFERSHARP_ALLOCATOR</c>'s value (<paramref name="setting"/>), the current <c>LD_PRELOAD</c>
    /// and which files exist. Throws <see cref="EngineException"/> naming the variable for a value it cannot use.
    /// </summary>
    public static Plan Choose(string? setting, string? currentPreload, Func<string, bool> exists)
    {
        string value = (setting ?? "").Trim();
        string? library;
        if (
            value.Length == 0
            || value.Equals("auto", StringComparison.OrdinalIgnoreCase)
            || value.Equals("tcmalloc", StringComparison.OrdinalIgnoreCase)
        )
        {
            library = TcmallocPaths.FirstOrDefault(exists);
            if (library is null)
            {
                if (value.Equals("tcmalloc", StringComparison.OrdinalIgnoreCase))
                    throw new EngineException(
                        $"{Variable}=tcmalloc: no tcmalloc found (looked for {string.Join(", ", TcmallocPaths)}); "
                            + $"install it (Debian: apt-get install libtcmalloc-minimal4) or set {Variable}=glibc."
                    );
                return new Plan(
                    null,
                    "tcmalloc is not installed (Debian: apt-get install libtcmalloc-minimal4 for faster training in "
                        + "less memory)"
                );
            }
        }
        else if (
            value.Equals("glibc", StringComparison.OrdinalIgnoreCase)
            || value.Equals("system", StringComparison.OrdinalIgnoreCase)
        )
            return new Plan(null, $"chosen by {Variable}={value}");
        else if (Path.IsPathRooted(value))
        {
            if (!exists(value))
                throw new EngineException(
                    $"{Variable}={value}: file not found; give the path of a malloc library to preload, or auto, "
                        + $"tcmalloc or glibc."
                );
            library = value;
        }
        else
            throw new EngineException(
                $"{Variable}={value}: unknown value; use auto (tcmalloc when installed), tcmalloc, glibc, or the "
                    + $"absolute path of a malloc library to preload."
            );

        string name = Path.GetFileName(library);
        if ((currentPreload ?? "").Split(':', ' ').Any(p => Path.GetFileName(p) == name))
            return new Plan(null, $"{library} (already in LD_PRELOAD)");
        return new Plan(library, $"{library} (preloaded by relaunch)");
    }

    /// <summary>
    /// Re-executes this process with the chosen allocator preloaded when that changes anything; returns (without
    /// relaunching) on other systems, when nothing is to be preloaded, after a relaunch, or when the relaunch fails.
    /// Call it first thing in <c>Main</c>, before any native library is loaded or any output is written.
    /// </summary>
    public static void RelaunchWithPreferredAllocator()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(RelaunchedVariable) is not null)
            return;
        Plan plan = Choose(
            Environment.GetEnvironmentVariable(Variable),
            Environment.GetEnvironmentVariable("LD_PRELOAD"),
            File.Exists
        );
        if (plan.Preload is null)
            return;
        string[] argv;
        try
        {
            argv = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
        }
        catch (IOException)
        {
            return;
        }
        if (argv.Length == 0 || argv[0].Length == 0)
            return;
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            env[(string)e.Key] = (string?)e.Value ?? "";
        env["LD_PRELOAD"] =
            env.TryGetValue("LD_PRELOAD", out string? existing) && existing.Length > 0
                ? plan.Preload + ":" + existing
                : plan.Preload;
        env[RelaunchedVariable] = plan.Preload;
        // tcmalloc reports every allocation over 1 GiB on stderr (a feature cache can be larger): only past 64 GiB.
        env.TryAdd(
            "TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD",
            (64L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture)
        );
        string?[] envp = env.Select(p => $"{p.Key}={p.Value}").Append(null).ToArray();
        string?[] args = argv.Append(null).ToArray();
        Console.Out.Flush();
        Console.Error.Flush();
        execve("/proc/self/exe", args, envp); // returns only on failure: go on with the allocator we have
    }

    /// <summary>
    /// The allocator serving this process, in words (for run records): tcmalloc's path when it is mapped, what a
    /// relaunch preloaded, else glibc's with why tcmalloc is not in use (not installed, or the user's choice).
    /// </summary>
    public static string Describe()
    {
        string? relaunched = Environment.GetEnvironmentVariable(RelaunchedVariable);
        string by = relaunched is null ? "" : ", preloaded by relaunch";
        if (MappedTcmalloc() is { } path)
            return $"tcmalloc ({path}{by})";
        if (relaunched is not null)
            return $"{relaunched} (preloaded by relaunch)";
        if (!OperatingSystem.IsLinux())
            return "system malloc";
        string glibc = TorchRuntime.AllocatorTuned
            ? "glibc malloc (mallopt: no mmap for large blocks, 256 MiB trim threshold)"
            : "glibc malloc (defaults)";
        Plan? plan = null;
        try
        {
            plan = Choose(
                Environment.GetEnvironmentVariable(Variable),
                Environment.GetEnvironmentVariable("LD_PRELOAD"),
                File.Exists
            );
        }
        catch (EngineException) { }
        return plan is { Preload: null } ? $"{glibc}; {plan.Reason}" : glibc;
    }

    /// <summary>The path of a tcmalloc mapped into this process, or null.</summary>
    public static string? MappedTcmalloc()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && line.AsSpan(slash).IndexOf("libtcmalloc", StringComparison.Ordinal) >= 0)
                    return line[slash..];
            }
        }
        catch (IOException) { }
        return null;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int execve(string path, string?[] argv, string?[] envp);
}
