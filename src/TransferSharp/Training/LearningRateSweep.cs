namespace TransferSharp.Training;

/// <summary>The outcome of a learning-rate sweep.</summary>
/// <param name="LearningRates">The head's rate at each step.</param>
/// <param name="Losses">The smoothed training loss at each step.</param>
/// <param name="Steepest">The rate where the smoothed loss falls fastest (per log-rate): the suggestion.</param>
/// <param name="MinimumOverTen">A tenth of the rate at the loss minimum (a common, conservative choice).</param>
public sealed record LearningRateSweep(double[] LearningRates, double[] Losses, double Steepest, double MinimumOverTen);
