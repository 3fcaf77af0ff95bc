namespace TransferSharp.IO;

/// <summary>Writes files so that a reader sees the old content or the new, never a part: a temporary file, then a
/// rename.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string content) =>
        Write(path, temp => File.WriteAllText(temp, content));

    /// <summary>Lets <paramref name="write"/> fill a temporary file beside <paramref name="path"/>, then renames it
    /// over the target.</summary>
    public static void Write(string path, Action<string> write)
    {
        string temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }
}
