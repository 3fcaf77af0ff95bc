namespace TransferSharp.Backbones;

/// <summary>An ONNX file that cannot be imported; the message names the file and, where it applies, the node.</summary>
public sealed class OnnxImportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OnnxImportException(string message, Exception? inner = null)
        : base(message, inner) { }
}
