using System.Runtime.InteropServices;
using TorchSharp;

namespace TransferSharp.Engine;

/// <summary>
/// Loads the native engine once, with a clear error when it cannot be loaded, and resolves devices.
/// </summary>
public static class TorchRuntime
{
    private static readonly object gate = new();
    private static bool loaded;

    /// <summary>Loads libtorch and TorchSharp's native bridge for the CPU; throws <see cref="EngineException"/> with
    /// the real loader message on failure.</summary>
    public static void EnsureLoaded()
    {
        if (loaded)
            return;
        lock (gate)
        {
            if (loaded)
                return;
            TuneAllocator();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e)
            {
                throw new EngineException(DescribeLoadFailure(e), e);
            }
            loaded = true;
        }
    }

    /// <summary>Resolves "cpu", "cuda" or "cuda:N" to a device, checking that it is usable.</summary>
    public static torch.Device ResolveDevice(string name)
    {
        EnsureLoaded();
        string lower = name.Trim().ToLowerInvariant();
        if (lower == "cpu")
            return torch.CPU;
        if (lower == "cuda" || lower.StartsWith("cuda:", StringComparison.Ordinal))
        {
            bool available;
            try
            {
                available = torch.TryInitializeDeviceType(DeviceType.CUDA) && torch.cuda.is_available();
            }
            catch (Exception)
            {
                available = false;
            }
            if (!available)
                throw new EngineException(
                    "--device cuda: no CUDA device is usable. This build references the CPU libtorch package "
                        + "(libtorch-cpu-linux-x64); reference a CUDA libtorch package (e.g. "
                        + "libtorch-cuda-12.8-linux-x64) instead, on a machine with an NVIDIA driver."
                );
            return new torch.Device(lower);
        }
        throw new EngineException($"--device '{name}': unknown device; use cpu, cuda or cuda:N.");
    }

    private static string DescribeLoadFailure(Exception e)
    {
        string message = "TransferSharp could not load the native engine (TorchSharp's libLibTorchSharp and libtorch).";
        string? bridge = FindBridge();
        if (bridge != null && OperatingSystem.IsLinux())
        {
            // TorchSharp's own message blames a missing package; the loader's message says what is really wrong.
            try
            {
                NativeLibrary.Free(NativeLibrary.Load(bridge));
            }
            catch (Exception loadError)
            {
                message += $" The system loader said: {loadError.Message.Trim()}";
                if (loadError.Message.Contains("GLIBCXX", StringComparison.Ordinal))
                    message +=
                        " The build marks that version need weak in the output copy when the system libstdc++ lacks "
                        + "it; "
                        + "rebuild with 'dotnet build' (not a copy of another machine's output), or install a newer "
                        + "libstdc++6.";
                return message;
            }
        }
        return message + $" TorchSharp said: {e.Message}";
    }

    private static string? FindBridge()
    {
        string name =
            OperatingSystem.IsWindows() ? "LibTorchSharp.dll"
            : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib"
            : "libLibTorchSharp.so";
        string baseDir = AppContext.BaseDirectory;
        foreach (
            string candidate in new[]
            {
                Path.Combine(baseDir, name),
                Path.Combine(baseDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", name),
                Path.Combine(baseDir, "runtimes", "linux-x64", "native", name),
            }
        )
            if (File.Exists(candidate))
                return candidate;
        return null;
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int param, int value);

    /// <summary>
    /// glibc maps and unmaps every large activation tensor on each op; raising the mmap threshold keeps them in the
    /// heap (measured 3-30% faster CPU inference on this project's machines), at the price of a fragmented heap (see
    /// <see cref="NativeAllocator"/>, which avoids both under tcmalloc). Only on glibc Linux; harmless elsewhere.
    /// </summary>
    private static void TuneAllocator()
    {
        // Under tcmalloc (NativeAllocator) there is nothing to tune: its mallopt is a no-op.
        if (
            !OperatingSystem.IsLinux()
            || Environment.GetEnvironmentVariable("TRANSFERSHARP_NO_MALLOPT") == "1"
            || NativeAllocator.MappedTcmalloc() is not null
        )
            return;
        try
        {
            const int trimThreshold = -1,
                mmapMax = -4; // glibc's M_TRIM_THRESHOLD and M_MMAP_MAX
            Mallopt(mmapMax, 0); // no mmap for large blocks: reuse heap memory
            Mallopt(trimThreshold, 256 * 1024 * 1024); // and keep up to 256 MiB of freed heap for reuse
            AllocatorTuned = true;
        }
        catch (Exception)
        { /* not glibc: nothing to tune */
        }
    }

    /// <summary>Whether glibc's malloc was tuned (<see cref="TuneAllocator"/>) when the engine loaded.</summary>
    internal static bool AllocatorTuned { get; private set; }
}
