namespace TransferSharp.Training;

/// <summary>Features a frozen pass also pools at another grid, into that grid's cache: a later fit that reads them
/// (a preset's grid candidate, an ensemble member's test pass) finds them there instead of running the backbone
/// again.</summary>
/// <param name="Grid">Cells a side.</param>
/// <param name="Cache">The cache of the backbone's features at that grid.</param>
internal sealed record GridCompanion(int Grid, FeatureCache Cache);
