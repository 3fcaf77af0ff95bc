namespace TransferSharp.IO;

/// <summary>Whether the writer of a leftover file (its process id in the name) is still running.</summary>
public static class Processes
{
    /// <summary>True while process <paramref name="id"/> runs.</summary>
    public static bool IsAlive(int id)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(id);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
