namespace TransferSharp.Analysis;

/// <summary>A test's statistic and p-value.</summary>
/// <param name="Name">What was tested.</param>
/// <param name="Statistic">The test statistic.</param>
/// <param name="PValue">Its p-value.</param>
/// <param name="Significant">Whether p is below the level.</param>
/// <param name="Detail">How it was computed.</param>
public sealed record TestResult(string Name, double Statistic, double PValue, bool Significant, string Detail);
