using System.Security.Cryptography;
using TransferSharp.Analysis;
using TransferSharp.Backbones;
using TransferSharp.Learning;
using TransferSharp.Runs;
using TransferSharp.Strategies.BatchNormOnly;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Strategies.FineTune;
using TransferSharp.Training;

namespace TransferSharp.Tests.Backbones;

/// <summary>An ONNX file as the backbone (issue 20): the classifier cut, the sidecar, fit, reload and
/// refusals.</summary>
public class ImportedBackboneTests
{
    private static string Network(bool batchNorm = true, string classifier = "gemm", int seed = 7) =>
        TinyCnn.Write(Path.Combine(TestPaths.NewTempDir("byob"), "tiny.onnx"), batchNorm, seed, classifier);

    [Theory]
    [InlineData("gemm")]
    [InlineData("matmul")]
    [InlineData("conv1x1")]
    public void TheClassifierIsCutAndTheGroupsFollowTheDownsampling(string classifier)
    {
        string path = Network(classifier: classifier);
        using Backbone backbone = Backbone.Load(path, 32);
        Assert.True(backbone.Config.IsFile);
        Assert.Equal("cut", backbone.Config.Classifier);
        Assert.Equal(16, backbone.FeatureWidth); // the pooled features, not the 5 logits
        Assert.Equal(new[] { "stem", "stage1" }, backbone.Network.Groups.Select(g => g.Name));
        // At another size the features keep their width (the cut is size-agnostic).
        using Backbone small = Backbone.Load(path, 48);
        Assert.Equal(16, small.FeatureWidth);
        // ONNX Runtime's frozen pass runs the same cut graph.
        using var scope = TorchSharp.torch.NewDisposeScope();
        var batch = TorchSharp.torch.randn(3, 3, 48, 48);
        float[] torch = small.Features(batch).data<float>().ToArray();
        float[] onnx = small.OnnxRuntime.Features(batch);
        Assert.Equal(torch.Length, onnx.Length);
        Assert.InRange(torch.Zip(onnx).Max(p => Math.Abs(p.First - p.Second)), 0, 1e-4);
    }

    [Fact]
    public void TheSidecarSetsThePreprocessingAndNoSidecarWarns()
    {
        string path = Network();
        using (Backbone plain = Backbone.Load(path, 32))
        {
            Assert.Equal(new[] { 0.229, 0.224, 0.225 }, plain.Config.Std);
            Assert.Contains(plain.Config.Warnings, w => w.Contains("ImageNet", StringComparison.Ordinal));
        }
        TinyCnn.WriteSidecar(
            path,
            "{\"mean\": [0.5, 0.5, 0.5], \"std\": [0.25, 0.25, 0.25], \"input_size\": [3, 32, 32], "
                + "\"crop_pct\": 0.9, \"interpolation\": \"bicubic\", \"channel_order\": \"BGR\", \"num_classes\": 5}"
        );
        using Backbone configured = Backbone.Load(path, 32);
        Assert.Equal(new[] { 0.5, 0.5, 0.5 }, configured.Config.Mean);
        Assert.Equal(new[] { 0.25, 0.25, 0.25 }, configured.Config.Std);
        Assert.Equal(ChannelOrder.Bgr, configured.Config.ChannelOrder);
        Assert.Equal(0.9, configured.Config.CropPct);
        Assert.Empty(configured.Config.Warnings);
        // Flags override the sidecar.
        using Backbone overridden = Backbone.Load(
            path,
            32,
            preprocessing: new BackbonePreprocessing { Std = new[] { 0.5, 0.5, 0.5 } }
        );
        Assert.Equal(new[] { 0.5, 0.5, 0.5 }, overridden.Config.Std);
    }

    [Theory]
    [InlineData("""{"mean": [0.5, 0.5]}""", "mean has 2 values for 3 channels")]
    [InlineData("""{"meen": [0.5, 0.5, 0.5]}""", "unknown key 'meen'")]
    [InlineData("""{"std": [0.2, 0, 0.2]}""", "std")]
    [InlineData("""{"input_range": 10}""", "input_range")]
    public void ABadSidecarIsRefusedNamingTheFileAndTheProblem(string cfg, string problem)
    {
        string path = Network();
        string sidecar = TinyCnn.WriteSidecar(path, cfg);
        var error = Assert.Throws<OnnxImportException>(() => Backbone.Load(path, 32));
        Assert.Contains(sidecar, error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void PreprocessingIsRefusedForARegisteredBackboneAndCheckedForAFile()
    {
        var mean = new BackbonePreprocessing { Mean = new[] { 0.1, 0.2 } };
        var error = Assert.Throws<OptionException>(() => Registry.Get(Registry.DefaultName, mean));
        Assert.Equal("ModelOptions.Preprocessing", error.Option);
        Assert.Contains("ONNX file", error.Problem);
        Assert.Same(Registry.Get(Registry.DefaultName), Registry.Get(Registry.DefaultName, new()));
        string path = Network();
        var range = new BackbonePreprocessing { InputRange = 10 };
        Assert.Contains(
            "--input-range 10: expected 1 or 255",
            Assert.Throws<OnnxImportException>(() => Backbone.Load(path, 32, preprocessing: range)).Message
        );
        Assert.Contains(
            "--mean has 2 values for 3 channels",
            Assert.Throws<OnnxImportException>(() => Backbone.Load(path, 32, preprocessing: mean)).Message
        );
    }

    [Fact]
    public void AFileThatIsNotAnImageNetworkIsRefused()
    {
        string dir = TestPaths.NewTempDir("byob");
        string text = Path.Combine(dir, "notes.onnx");
        File.WriteAllText(text, "not a network");
        Assert.Contains(text, Assert.Throws<OnnxImportException>(() => Backbone.Load(text, 32)).Message);
        var b = new OnnxGraphBuilder("x", 1, 16);
        string y = b.Node("Relu", new[] { "x" });
        string flat = OnnxGraphBuilder.Save(b.Build(y, new long[] { 1, 16 }), "tabular.onnx");
        var error = Assert.Throws<OnnxImportException>(() => Backbone.Load(flat, 32));
        Assert.Contains("tabular.onnx", error.Message);
        Assert.Contains("2 dimensions", error.Message);
    }

    [Fact]
    public void FitsSavesAndReloadsAndRefusesTheFileOnceChanged()
    {
        string path = Network();
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("byob-train"), classes: 3, perClass: 8, size: 32);
        var options = TestRuns.Options(train, new FeatureExtractionOptions { HeadSteps = 40 }) with
        {
            Model = new ModelOptions { Size = 32, Backbone = path },
            Analyses = new AnalysisOptions { DomainDistance = true },
        };
        using FitResult result = new TransferLearner(options).Fit();
        ImportedBackboneSummary imported = result.Report.ImportedBackbone!;
        Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))), imported.Sha256, true);
        Assert.Equal("cut", imported.Classifier);
        Assert.NotNull(result.Report.DomainDistance?.D);
        string folder = result.Save(TestPaths.NewTempDir("byob-run"));
        using (SavedModel reloaded = SavedModel.Load(folder))
            Assert.Equal(path, reloaded.Manifest.Backbone);
        TinyCnn.Write(path, seed: 8); // the same architecture, other weights
        var error = Assert.Throws<InvalidDataException>(() => SavedModel.Load(folder));
        Assert.Contains("changed after training", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void FineTunesAnImportedBackbone()
    {
        string path = Network();
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("byob-train"), classes: 3, perClass: 8, size: 32);
        var options = TestRuns.Options(train, new FineTuneOptions()) with
        {
            Model = new ModelOptions { Size = 32, Backbone = path },
            Training = new TrainingOptions { Epochs = 1 },
        };
        using FitResult result = new TransferLearner(options).Fit();
        Assert.Equal(2, result.Report.GroupLearningRates!.Count - 1); // stem, stage1 and the head
        Assert.True(result.Report.TrainableParameters > 16 * 8 * 9);
    }

    [Fact]
    public void FromScratchALearnedScaleStartsAtOneAndTheConvolutionsAreRedrawn()
    {
        using Backbone backbone = Backbone.Load(Network(), 32);
        var parameters = backbone.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter.clone());
        BatchNormTools.Reinitialize(backbone, seed: 3);
        foreach (var (name, value) in backbone.Network.named_parameters())
        {
            if (name.EndsWith(".input1", StringComparison.Ordinal)) // the layer scale (Mul)
                Assert.True(value.eq(1).all().item<bool>(), name);
            else if (value.dim() == 4)
                Assert.False(value.eq(parameters[name]).all().item<bool>(), $"{name} was not redrawn");
        }
    }

    [Fact]
    public void WithoutBatchNormDomainDistanceSaysWhyAndBnOnlyIsRefused()
    {
        string path = Network(batchNorm: false);
        using (Backbone backbone = Backbone.Load(path, 32))
            Assert.Contains("no BatchNorm layer", DomainDistance.Unavailable(backbone));
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("byob-train"), classes: 3, perClass: 8, size: 32);
        var options = TestRuns.Options(train, new BatchNormOnlyOptions()) with
        {
            Model = new ModelOptions { Size = 32, Backbone = path },
        };
        var error = Assert.Throws<OptionException>(() => new TransferLearner(options).Fit());
        Assert.Contains("no BatchNorm layer", error.Message);
        Assert.Contains("tiny.onnx", error.Message);
    }

    [Fact]
    public void BackbonesCheckReportsParityAndTheCliRefusesBadFilesWithExitCode2()
    {
        string path = Network();
        var (code, stdout, stderr) = CliProcess.Run("backbones", "check", path, "--size", "48", "--json");
        Assert.True(code == 0, stderr);
        using var report = System.Text.Json.JsonDocument.Parse(stdout);
        var sizes = report.RootElement.GetProperty("sizes").EnumerateArray().ToList();
        Assert.Equal(new[] { 32, 48 }, sizes.Select(s => s.GetProperty("size").GetInt32()));
        Assert.All(sizes, s => Assert.InRange(s.GetProperty("max_abs_diff").GetDouble(), 0, 1e-4));
        Assert.True(report.RootElement.GetProperty("any_size").GetBoolean());
        Assert.Equal(16, report.RootElement.GetProperty("feature_width").GetInt32());
        Assert.Equal(2, report.RootElement.GetProperty("groups").GetArrayLength());

        TinyCnn.WriteSidecar(path, "{\"mean\": [0.5, 0.5]}");
        var bad = CliProcess.Run("fit", "--backbone", path, "--size", "32", "--out", TestPaths.NewTempDir("run"));
        Assert.Equal(2, bad.code);
        Assert.Contains("tiny.json", bad.stderr);
        Assert.Contains("mean has 2 values", bad.stderr);
        Assert.DoesNotContain("   at ", bad.stderr);
    }
}
