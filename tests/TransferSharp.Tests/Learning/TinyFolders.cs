using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Strategies;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Training;

namespace TransferSharp.Tests.Learning;

/// <summary>A tiny train/test pair of image folders (3 classes) shared by the fit tests.</summary>
public sealed class TinyFolders
{
    public TinyFolders()
    {
        Train = TestImages.WriteFolder(TestPaths.NewTempDir("fit-train"), classes: 3, perClass: 10, size: 32);
        Test = TestImages.WriteFolder(TestPaths.NewTempDir("fit-test"), classes: 3, perClass: 4, size: 32);
    }

    public string Train { get; }
    public string Test { get; }

    /// <summary>A fit of these folders at 32 px (a fifth held out, a cache of its own, both analyses).</summary>
    public LearnerOptions Options(StrategyOptions? strategy = null, int? epochs = null) =>
        new()
        {
            Data = new DataOptions
            {
                Train = Train,
                Test = Test,
                ValidationFraction = 0.2,
                CacheDirectory = TestPaths.NewTempDir("cache"),
            },
            Model = new ModelOptions { Size = 32 },
            Training = new TrainingOptions { Epochs = epochs },
            Strategy = strategy ?? new FeatureExtractionOptions { HeadSteps = 60 },
            Analyses = new AnalysisOptions { DomainDistance = true, Filters = true },
        };
}
