namespace TransferSharp.Sweeps;

/// <summary>One run of a sweep: its place in the grid and its folder (relative to the sweep's).</summary>
/// <param name="Index">0-based, the job-array index that runs it.</param>
/// <param name="Strategy">The fit strategy.</param>
/// <param name="Seed">The fit's seed.</param>
/// <param name="LearningRate">The fit's <c>--lr</c> (null: the strategy's own).</param>
/// <param name="Folder">The run folder, relative to the sweep folder.</param>
public sealed record SweepCell(int Index, string Strategy, int Seed, double? LearningRate, string Folder);
