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
}
