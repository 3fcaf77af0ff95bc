using TransferSharp.Backbones;
using TransferSharp.Multimodal;

namespace TransferSharp.Tests.Multimodal;

/// <summary>Joint tuning of the image branch with the fusion network: what it trains, at which rates, and that the
/// tuned backbone is what a saved run predicts and exports with.</summary>
public class JointTuningTests
{
    [Fact]
    public void TheTunedBackboneIsSavedAndIsWhatPredictAndExportUse()
    {
        string dir = TestPaths.NewTempDir("mm-joint");
        string train = MultimodalTests.WriteTask(dir, "train", 12, 1);
        string test = MultimodalTests.WriteTask(dir, "test", 4, 2);
        // Three epochs leave the fusion head short of what it can learn, so joint tuning (the head trains on) has
        // room to improve validation and be kept.
        using MultimodalResult result = MultimodalLearner.Fit(
            MultimodalTests.Options(train, test) with
            {
                Candidates = new[] { FusionKind.Late },
                Epochs = 3,
                JointEpochs = 3,
                JointRate = 1e-3,
                RecordRate = 2e-3,
            }
        );
        JointSummary joint = Assert.IsType<JointSummary>(result.Report.Joint);
        Assert.True(joint.Kept, $"joint tuning was not kept: {joint}");
        Assert.True(joint.ValAfter >= joint.ValBefore, $"{joint}");
        Assert.Equal(joint.ValAfter, result.Report.ValAccuracy);
        Assert.Equal(joint.TestAfter, result.Report.TestAccuracy);
        // Layer decay: each backbone group at half the next one's rate, the record branch at its own.
        using (var pretrained = Backbone.Load(Registry.DefaultName, 64))
        {
            string[] names = pretrained.Network.Groups.Select(g => g.Name).ToArray();
            Assert.Equal(names.Concat(new[] { "record", "head" }), joint.Rates.Keys);
            for (int g = 0; g < names.Length; g++)
                Assert.Equal(1e-3 * Math.Pow(0.5, names.Length - g), joint.Rates[names[g]], 12);
            Assert.Equal(2e-3, joint.Rates["record"]);
        }

        string run = Path.Combine(dir, "run");
        result.Save(run);
        Assert.Equal(JointTuning.FileName, result.Manifest.BackboneFile);
        // Format 2: a reader of format 1 would ignore backbone.bin and mispredict; this one refuses formats it does not
        // know, naming them.
        Assert.Equal(MultimodalManifest.CurrentFormat, result.Manifest.Format);
        string future = Path.Combine(dir, "future");
        Directory.CreateDirectory(future);
        File.WriteAllText(
            Path.Combine(future, MultimodalManifest.FileName),
            File.ReadAllText(Path.Combine(run, MultimodalManifest.FileName))
                .Replace(MultimodalManifest.CurrentFormat, "transfersharp-multimodal/9")
        );
        var refused = Assert.Throws<InvalidDataException>(() => MultimodalModel.Load(future));
        Assert.Contains("transfersharp-multimodal/9", refused.Message);
        using MultimodalModel model = MultimodalModel.Load(run);
        var (loaded, owner, cacheable) = TunedImageBranch.Open(model.Manifest, run);
        using (owner)
        using (var pretrained = Backbone.Load(Registry.DefaultName, 64))
        {
            Assert.False(cacheable);
            // Gradual unfreezing: three epochs reach the last three groups, never the stem.
            var tuned = loaded.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            bool Moved(int group) =>
                pretrained.Network.GroupParameters(group).Any(p => !p.parameter.allclose(tuned[p.name], 0, 0));
            int last = pretrained.Network.Groups.Count - 1;
            Assert.True(Moved(last), "the last group did not move");
            Assert.False(Moved(0), "the stem moved under gradual unfreezing");
        }
        // Predict reads the tuned network's features: the test accuracy the fit reported.
        MultimodalPredictions predictions = model.Predict(RecordTable.Load(test));
        var truth = RecordTable.Load(test).Rows.Select(r => r[1]).ToArray();
        double accuracy = predictions.Rows.Select((p, i) => p.Label == truth[i] ? 1.0 : 0).Average();
        Assert.Equal(result.Report.TestAccuracy!.Value, accuracy, 4);
        MultimodalTests.AssertExportParity(model, RecordTable.Load(test), predictions);
    }

    [Fact]
    public void WithIntermediateFeaturesOnlyTheGroupsReadAreTuned()
    {
        string dir = TestPaths.NewTempDir("mm-joint-features");
        string train = MultimodalTests.WriteTask(dir, "train", 6, 1);
        using MultimodalResult result = MultimodalLearner.Fit(
            MultimodalTests.Options(train) with
            {
                Candidates = new[] { FusionKind.Late },
                Epochs = 3,
                FeatureLayers = new[] { "stage2" },
                JointEpochs = 1,
                JointGradual = false,
            }
        );
        JointSummary joint = Assert.IsType<JointSummary>(result.Report.Joint);
        // stage3 and stage4 never run for stage2's features: no group, no rate.
        Assert.Equal(new[] { "stem", "stage1", "stage2", "record", "head" }, joint.Rates.Keys);
    }
}
