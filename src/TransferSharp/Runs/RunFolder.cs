namespace TransferSharp.Runs;

/// <summary>Preparation of a run folder.</summary>
public static class RunFolder
{
    /// <summary>Creates the folder and proves it writable, before any work; errors name the folder.</summary>
    public static string Prepare(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionException("output folder", path, $"the folder cannot be written ({e.Message}).");
        }
        return full;
    }
}
