using System.Runtime.InteropServices;

namespace TransferSharp.Data;

/// <summary>Reading a data file whole, with errors that name it.</summary>
public static class DataFile
{
    /// <summary>
    /// The bytes of <paramref name="path"/> (a link read through to its target). An empty file, a FIFO or a device (all
    /// report length 0: reading one would block or never end) and an unreadable one raise a <see cref="DataException"/>
    /// naming the file.
    /// </summary>
    public static byte[] ReadAllBytes(string path)
    {
        try
        {
            string target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
            if (new FileInfo(target).Length == 0)
                throw new DataException($"{path}: the file is empty (0 bytes) or not a regular file.", path);
            return File.ReadAllBytes(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"{path}: cannot read the file ({e.Message}).", path, e);
        }
    }

    /// <summary>
    /// What <paramref name="path"/> (a link followed) is when it is not a regular file: "a FIFO (named pipe)", "a
    /// character device", "a block device" or "a socket"; null for a regular file, a folder, a missing file, or where
    /// the type cannot be read (then reading it refuses it: <see cref="ReadAllBytes"/>).
    /// </summary>
    public static string? NotRegular(string path)
    {
        // .NET exposes no file type on Unix; glibc's stat does. st_mode's offset is the architecture's struct layout.
        int offset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,
            Architecture.Arm64 => 16,
            _ => -1,
        };
        if (!OperatingSystem.IsLinux() || offset < 0)
            return null;
        var buffer = new byte[256];
        try
        {
            if (Stat(path, buffer) != 0)
                return null;
        }
        catch (EntryPointNotFoundException) // glibc before 2.33 exports stat only as __xstat
        {
            if (XStat(1, path, buffer) != 0)
                return null;
        }
        return (BitConverter.ToUInt32(buffer, offset) & 0xF000) switch
        {
            0x1000 => "a FIFO (named pipe)",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0xC000 => "a socket",
            _ => null,
        };
    }

    [DllImport("libc", EntryPoint = "stat")]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

    [DllImport("libc", EntryPoint = "__xstat")]
    private static extern int XStat(int version, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
}
