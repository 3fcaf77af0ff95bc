namespace TransferSharp.Engine;

/// <summary>Raised when the native engine (libtorch through TorchSharp) cannot be loaded or a device is
/// unavailable.</summary>
public sealed class EngineException : Exception
{
    /// <summary>Creates the exception with a plain-words message.</summary>
    public EngineException(string message, Exception? inner = null)
        : base(message, inner) { }
}
