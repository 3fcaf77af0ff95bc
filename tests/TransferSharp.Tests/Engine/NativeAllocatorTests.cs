using TransferSharp.Engine;

namespace TransferSharp.Tests.Engine;

public class NativeAllocatorTests
{
    private const string Tcmalloc = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4";

    [Fact]
    public void TcmallocIsPreloadedWhenInstalledUnlessTheUserSaysOtherwise()
    {
        Func<string, bool> installed = p => p == Tcmalloc,
            absent = _ => false;
        Assert.Equal(Tcmalloc, NativeAllocator.Choose(null, null, installed).Preload);
        Assert.Equal(Tcmalloc, NativeAllocator.Choose("auto", "", installed).Preload);
        Assert.Equal(Tcmalloc, NativeAllocator.Choose("TCMALLOC", null, installed).Preload);
        // Not installed: no relaunch, and the reason says what to install.
        var missing = NativeAllocator.Choose(null, null, absent);
        Assert.Null(missing.Preload);
        Assert.Contains("libtcmalloc-minimal4", missing.Reason);
        // The user's choice wins; an allocator already preloaded is not preloaded twice.
        var chosen = NativeAllocator.Choose("glibc", null, installed);
        Assert.Null(chosen.Preload);
        Assert.Equal("chosen by TRANSFERSHARP_ALLOCATOR=glibc", chosen.Reason);
        var already = NativeAllocator.Choose(null, "/lib/other.so:/opt/x/libtcmalloc_minimal.so.4", installed);
        Assert.Null(already.Preload);
        Assert.Contains("already in LD_PRELOAD", already.Reason);
        Assert.Null(NativeAllocator.Choose(null, Tcmalloc, installed).Preload);
        Assert.Equal(
            "/opt/lib/libjemalloc.so.2",
            NativeAllocator.Choose("/opt/lib/libjemalloc.so.2", null, p => p.StartsWith("/opt")).Preload
        );
    }

    [Fact]
    public void ValuesItCannotUseAreNamed()
    {
        var unknown = Assert.Throws<EngineException>(() => NativeAllocator.Choose("fastest", null, _ => true));
        Assert.Contains("TRANSFERSHARP_ALLOCATOR=fastest: unknown value", unknown.Message);
        var missingFile = Assert.Throws<EngineException>(() =>
            NativeAllocator.Choose("/no/such/libmalloc.so", null, _ => false)
        );
        Assert.Contains("/no/such/libmalloc.so: file not found", missingFile.Message);
        var notInstalled = Assert.Throws<EngineException>(() => NativeAllocator.Choose("tcmalloc", null, _ => false));
        Assert.Contains("no tcmalloc found", notInstalled.Message);
    }
}
