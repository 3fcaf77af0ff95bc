namespace TransferSharp.Backbones;

/// <summary>Raised for a backbone name that is not registered; the message lists the registered ones.</summary>
public sealed class UnknownBackboneException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UnknownBackboneException(string message)
        : base(message) { }
}
