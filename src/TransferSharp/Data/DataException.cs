namespace TransferSharp.Data;

/// <summary>A bad-input problem with data; the message names the file (and row, for CSV) and the problem.</summary>
public sealed class DataException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataException(string message, string? path = null, Exception? inner = null)
        : base(message, inner) => Path = path;

    /// <summary>The file or folder concerned, when there is one.</summary>
    public string? Path { get; }
}
