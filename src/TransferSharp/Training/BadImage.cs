namespace TransferSharp.Training;

/// <summary>An image that could not be decoded, with the reason.</summary>
/// <param name="Id">The file (or IDX record) that failed.</param>
/// <param name="Reason">Why.</param>
public sealed record BadImage(string Id, string Reason);
