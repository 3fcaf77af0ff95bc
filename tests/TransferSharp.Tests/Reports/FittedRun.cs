using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Strategies.FineTune;
using TransferSharp.Training;

namespace TransferSharp.Tests.Reports;

/// <summary>
/// One tiny fine-tune run saved as a run folder, shared by the report tests: two epochs (so curves exist), a test set
/// (test_predictions.json) and every analysis (domain distance, filters, frequency).
/// </summary>
public sealed class FittedRun
{
    public FittedRun()
    {
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("report-train"), classes: 3, perClass: 8, size: 32);
        string test = TestImages.WriteFolder(TestPaths.NewTempDir("report-test"), classes: 3, perClass: 4, size: 32);
        var options = new LearnerOptions
        {
            Data = new DataOptions
            {
                Train = train,
                Test = test,
                ValidationFraction = 0.25,
                CacheDirectory = TestPaths.NewTempDir("report-cache"),
            },
            Model = new ModelOptions { Size = 32 },
            Training = new TrainingOptions { Epochs = 2 },
            Strategy = new FineTuneOptions(),
            Analyses = AnalysisOptions.All,
        };
        using FitResult result = new TransferLearner(options).Fit();
        Folder = result.Save(TestPaths.NewTempDir("report-run"));
    }

    /// <summary>The run folder (tests that change files work on a <see cref="Copy"/>).</summary>
    public string Folder { get; }

    /// <summary>A copy of the run folder's files in a new temporary folder.</summary>
    public string Copy(string prefix)
    {
        string copy = TestPaths.NewTempDir(prefix);
        foreach (string file in Directory.GetFiles(Folder))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }
}
