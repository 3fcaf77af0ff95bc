using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Strategies;
using TransferSharp.Training;

namespace TransferSharp.Tests;

/// <summary>Learner options for a quick fit on a small image folder: a quarter held out, no feature cache.</summary>
public static class TestRuns
{
    public static LearnerOptions Options(string train, StrategyOptions strategy, int size = 32) =>
        new()
        {
            Data = new DataOptions
            {
                Train = train,
                ValidationFraction = 0.25,
                UseCache = false,
            },
            Model = new ModelOptions { Size = size },
            Strategy = strategy,
        };
}
