namespace TransferSharp.Analysis;

/// <summary>Grey images of one class, each side x side values row-major (0..255), as the data checks read
/// them.</summary>
/// <param name="Name">The class.</param>
/// <param name="Images">Its images.</param>
public sealed record ClassImages(string Name, IReadOnlyList<double[]> Images);
