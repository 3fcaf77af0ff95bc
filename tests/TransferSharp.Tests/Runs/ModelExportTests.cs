using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TransferSharp.Adapters;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Runs;
using TransferSharp.Strategies;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Strategies.FineTune;
using TransferSharp.Tests.Backbones;
using TransferSharp.Training;

namespace TransferSharp.Tests.Runs;

public class ModelExportTests
{
    private const int Size = 32;

    /// <summary>
    /// The exported file, run by ONNX Runtime on raw pixels, against predict on the same images (already at the input
    /// size): the same probabilities within 1e-4 and the same labels, at batch sizes 1 and N.
    /// </summary>
    private static void AssertParity(FitResult fitted, IReadOnlyList<IImageSource> sources)
    {
        string folder = fitted.Save(TestPaths.NewTempDir("export-run"));
        using SavedModel model = SavedModel.Load(folder);
        string file = Path.Combine(folder, "model.onnx");
        ModelExport.Write(model, file);
        var (predictions, kept, _) = Predictor.Predict(model, sources, null);
        Assert.Equal(sources.Count, kept.Length);
        using var session = new InferenceSession(file);
        Assert.Equal(
            model.Manifest.ClassNames,
            JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["labels"])
        );
        int channels = model.ChannelInput?.Channels ?? 3;
        float[][] inputs = sources.Select(s => Pixels(s, channels)).ToArray();
        foreach (int batch in new[] { 1, sources.Count })
            for (int start = 0; start < sources.Count; start += batch)
            {
                float[] probabilities = Run(session, inputs.Skip(start).Take(batch).ToArray(), channels);
                int classes = model.Manifest.ClassNames.Count;
                for (int r = 0; r < Math.Min(batch, sources.Count - start); r++)
                {
                    float[] expected = predictions[start + r].Probabilities;
                    float[] actual = probabilities.AsSpan(r * classes, classes).ToArray();
                    double diff = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
                    Assert.True(diff <= 1e-4, $"image {start + r}: probabilities differ by {diff:G3}");
                    string label = model.Manifest.ClassNames[Array.IndexOf(actual, actual.Max())];
                    Assert.Equal(predictions[start + r].Label, label);
                }
            }
    }

    private static float[] Run(InferenceSession session, float[][] images, int channels)
    {
        var input = new DenseTensor<float>(
            images.SelectMany(i => i).ToArray(),
            new[] { images.Length, channels, Size, Size }
        );
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(ModelExport.InputName, input) });
        return results.First(r => r.Name == ModelExport.OutputName).AsTensor<float>().ToArray();
    }

    /// <summary>[C, S, S] raw values: 8-bit images as R, G, B in 0..255 (gray in all three), arrays as they
    /// are.</summary>
    private static float[] Pixels(IImageSource source, int channels)
    {
        if (source is IChannelSource arrays)
            return arrays.DecodeChannels().Data;
        RawImage image = source.Decode();
        Assert.Equal((Size, Size), (image.Width, image.Height));
        var planes = new float[3 * Size * Size];
        for (int c = 0; c < 3; c++)
        for (int p = 0; p < Size * Size; p++)
            planes[c * Size * Size + p] = image.Pixels[p * image.Channels + Math.Min(c, image.Channels - 1)];
        return planes;
    }

    private static (string train, IReadOnlyList<IImageSource> test) Images(bool color)
    {
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("export-train"), 3, 8, Size, color);
        string test = TestImages.WriteFolder(TestPaths.NewTempDir("export-test"), 3, 2, Size, color);
        return (train, DatasetLoader.Load(test).Items.Select(i => i.Source).ToList());
    }

    private static LearnerOptions Options(string train, StrategyOptions strategy) =>
        TestRuns.Options(train, strategy, Size);

    [Fact]
    public void FeatureExtractionWithGridPooledLayersAndMirrorViewsExportsAsPredicted()
    {
        var (train, test) = Images(color: true);
        var strategy = new FeatureExtractionOptions
        {
            Features = new[] { "stage3", "stage4" },
            FeatureGrid = 2,
            HeadSteps = 40,
        };
        var options = Options(train, strategy);
        using FitResult fitted = new TransferLearner(
            options with
            {
                Model = options.Model with { TestTimeAugmentation = true },
            }
        ).Fit();
        AssertParity(fitted, test);
    }

    [Fact]
    public void AnInt8FeatureExtractionRunRecordsItsCheckAndPredictsAndExportsItsQuantisedPass()
    {
        var (train, test) = Images(color: true);
        using FitResult fitted = new TransferLearner(
            Options(train, new FeatureExtractionOptions { HeadSteps = 40, Precision = FrozenPrecision.Int8 })
        ).Fit();
        FrozenPrecisionReport precision = fitted.Report.FrozenPrecision!;
        Assert.Equal("int8", precision.Requested);
        // 24 images: the check's standard error is wide, and int8 is kept unless it scores far below fp32.
        Assert.Equal("int8", precision.Used);
        Assert.Null(precision.Reason);
        // 18 training images: 9 set the ranges, the other 9 and the 6 validation images are the check's.
        Assert.Equal(9, precision.CalibrationImages);
        Assert.Equal(15, precision.CheckImages);
        Assert.Equal(QuantizedFeatures.Tolerance, precision.Tolerance);
        string folder = fitted.Save(TestPaths.NewTempDir("int8-run"));
        string html = TransferSharp.Reports.RunReport.Render(folder);
        Assert.Contains("<th>frozen pass</th><td>int8 (check: probe", html);
        using (SavedModel model = SavedModel.Load(folder))
            Assert.Equal(fitted.Model.Manifest.FrozenQuantization!.Key(), model.Manifest.FrozenQuantization!.Key());
        AssertParity(fitted, test);
    }

    [Fact]
    public void AnInt8RunOnAnIntermediateLayerOnAGridPredictsAndExportsItsQuantisedPass()
    {
        var (train, test) = Images(color: true);
        var strategy = new FeatureExtractionOptions
        {
            Features = ["stage3"],
            FeatureGrid = 2,
            HeadSteps = 40,
            Precision = FrozenPrecision.Int8,
        };
        using FitResult fitted = new TransferLearner(Options(train, strategy)).Fit();
        FrozenPrecisionReport precision = fitted.Report.FrozenPrecision!;
        Assert.True(precision.Used == "int8", precision.Reason);
        Assert.Equal("onnxruntime-int8", fitted.Report.ExtractionEngine);
        Assert.Equal(["stage3"], fitted.Model.Manifest.FeatureLayers!);
        AssertParity(fitted, test);
    }

    [Fact]
    public void AnEnsembleLoadsPredictsAndExportsAsTheWeightedMeanOfItsMembers()
    {
        var (train, test) = Images(color: true);
        var grid = new FeatureExtractionOptions
        {
            Features = new[] { "stage3" },
            FeatureGrid = 2,
            HeadSteps = 40,
        };
        FitResult frozen = new TransferLearner(Options(train, grid)).Fit();
        var tuning = Options(train, new FineTuneOptions()) with { Training = new TrainingOptions { Epochs = 1 } };
        FitResult tuned = new TransferLearner(tuning).Fit();
        using FitResult ensemble = FitResult.Ensembled(
            frozen,
            [("frozen", null, 0.3), ("tuned", tuned, 0.7)],
            frozen.Report,
            frozen.HeldOut,
            null
        );
        AssertParity(ensemble, test);
        string folder = ensemble.Save(TestPaths.NewTempDir("ensemble-run"));
        using (SavedModel model = SavedModel.Load(folder))
        {
            Assert.Equal(new[] { 0.3, 0.7 }, model.Members.Select(m => m.Weight));
            Assert.Same(model.Backbone, model.Members[0].Model.Backbone);
            Assert.Empty(model.Members[0].Model.Members);
            Assert.NotNull(model.Members[1].Model.Manifest.BackboneFile);
            var mixed = Predictor.Predict(model, test, null).predictions;
            var first = Predictor.Predict(model.Members[0].Model, test, null).predictions;
            var second = Predictor.Predict(model.Members[1].Model, test, null).predictions;
            for (int i = 0; i < test.Count; i++)
            for (int c = 0; c < mixed[i].Probabilities.Length; c++)
                Assert.Equal(
                    0.3 * first[i].Probabilities[c] + 0.7 * second[i].Probabilities[c],
                    mixed[i].Probabilities[c],
                    5
                );
            // The top-level model alone is the frozen one: a member is its own run folder.
            Assert.Null(model.Manifest.BackboneFile);
            // Weights the members share (here the normalisation constants) are stored once in the export.
            int separate = model.Members.Sum(m => ModelExport.Build(m.Model).Graph.Initializer.Count);
            var merged = ModelExport.Build(model).Graph;
            Assert.True(merged.Initializer.Count < separate - 1, $"{merged.Initializer.Count} of {separate}");
            Assert.Equal(merged.Initializer.Count, merged.Initializer.Select(t => t.Name).Distinct().Count());
        }
        // A member's weights changed after saving are named; so are weights that do not sum to 1.
        string head = Path.Combine(folder, "members", "1", "head.bin");
        byte[] good = File.ReadAllBytes(head);
        byte[] flipped = (byte[])good.Clone();
        flipped[^5] ^= 0x40;
        File.WriteAllBytes(head, flipped);
        Assert.Contains(
            "members/1/head.bin",
            Assert.Throws<InvalidDataException>(() => SavedModel.Load(folder)).Message
        );
        File.WriteAllBytes(head, good);
        File.Delete(Path.Combine(folder, RunFolder.ChecksumFile));
        string manifest = Path.Combine(folder, SavedModel.ManifestFile);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"weight\": 0.7", "\"weight\": 0.9"));
        Assert.Contains("sum to 1", Assert.Throws<InvalidDataException>(() => SavedModel.Load(folder)).Message);
    }

    [Fact]
    public void AnEnsembleOfAnInt8AndAnFp32GridMemberExportsInOneOpset()
    {
        var (train, test) = Images(color: true);
        var grid = new FeatureExtractionOptions
        {
            Features = ["stage3"],
            FeatureGrid = 2,
            HeadSteps = 40,
        };
        FitResult fp32 = new TransferLearner(Options(train, grid)).Fit();
        FitResult int8 = new TransferLearner(
            Options(train, new FeatureExtractionOptions { HeadSteps = 40, Precision = FrozenPrecision.Int8 })
        ).Fit();
        Assert.Equal("int8", int8.Report.FrozenPrecision!.Used);
        // The int8 graph is opset 10, the fp32 member's file opset 8: the export holds both in opset 10.
        using FitResult ensemble = FitResult.Ensembled(
            fp32,
            [("fp32", null, 0.5), ("int8", int8, 0.5)],
            fp32.Report,
            fp32.HeldOut,
            null
        );
        AssertParity(ensemble, test);
    }

    [Fact]
    public void AFineTunedBackboneExportsAsTrained()
    {
        var (train, test) = Images(color: false);
        var options = Options(train, new FineTuneOptions()) with { Training = new TrainingOptions { Epochs = 1 } };
        using FitResult fitted = new TransferLearner(options).Fit();
        Assert.NotNull(fitted.Model.Manifest.BackboneFile);
        AssertParity(fitted, test);
    }

    [Fact]
    public void AFineTunedImportedBackboneExportsItsTrainedConstants()
    {
        var (train, test) = Images(color: true);
        string network = TinyCnn.Write(Path.Combine(TestPaths.NewTempDir("export-byob"), "tiny.onnx"));
        var options = Options(train, new FineTuneOptions()) with
        {
            Model = new ModelOptions { Size = Size, Backbone = network },
            Training = new TrainingOptions { Epochs = 2, LearningRate = 0.05 },
        };
        using FitResult fitted = new TransferLearner(options).Fit();
        // The layer scale (a Mul constant) is a parameter, and training moved it.
        var (name, gamma) = fitted.Model.Backbone.Network.named_parameters().Single(p => p.name.EndsWith(".input1"));
        using (var original = Backbone.Load(network, Size))
        {
            var before = original.Network.named_parameters().Single(p => p.name == name).parameter;
            Assert.True(gamma.sub(before).abs().max().item<float>() > 1e-4, $"{name} did not train");
        }
        AssertParity(fitted, test);
    }

    [Fact]
    public void AnImportedOpset14BackboneOnAGridOfAnIntermediateGroupExportsAsPredicted()
    {
        var (train, test) = Images(color: true);
        string network = TinyCnn.Write(Path.Combine(TestPaths.NewTempDir("export-byob-grid"), "tiny.onnx"));
        string group;
        using (var backbone = Backbone.Load(network, Size))
            group = backbone.Network.Groups[^2].Name;
        var strategy = new FeatureExtractionOptions
        {
            Features = [group],
            FeatureGrid = 2,
            HeadSteps = 40,
        };
        var options = Options(train, strategy) with
        {
            Model = new ModelOptions { Size = Size, Backbone = network },
        };
        using FitResult fitted = new TransferLearner(options).Fit();
        Assert.Equal("onnxruntime", fitted.Report.ExtractionEngine);
        // Opset 14: the grid's slices take their bounds as inputs (opset 10's form; attributes fail to load).
        AssertParity(fitted, test);
    }

    [Fact]
    public void AnImportedBackboneTakesMultichannelArraysThroughItsOwnFirstConvolution()
    {
        string root = MultichannelFolder();
        string network = TinyCnn.Write(Path.Combine(TestPaths.NewTempDir("export-byob"), "tiny.onnx"));
        var options = Options(root, new FineTuneOptions()) with
        {
            Model = new ModelOptions
            {
                Size = Size,
                Backbone = network,
                Adapter = AdapterKind.WeightSum,
            },
            Training = new TrainingOptions { Epochs = 1, BatchSize = 4 },
        };
        using FitResult fitted = new TransferLearner(options).Fit();
        Assert.Equal(4, fitted.Model.Backbone.Network.InputChannels);
        AssertParity(fitted, DatasetLoader.Load(root).Items.Select(i => i.Source).Take(6).ToList());
    }

    private static string MultichannelFolder()
    {
        string root = TestPaths.NewTempDir("export-npy");
        var random = new Random(5);
        for (int k = 0; k < 2; k++)
        {
            Directory.CreateDirectory(Path.Combine(root, $"c{k}"));
            for (int i = 0; i < 6; i++)
            {
                float[] data = Enumerable
                    .Range(0, 4 * Size * Size)
                    .Select(p => (float)(random.NextDouble() * 1000 + (p / (Size * Size) == 3 ? k * 800 : 0)))
                    .ToArray();
                Npy.Write(Path.Combine(root, $"c{k}", $"{i}.npy"), new ChannelImage(data, 4, Size, Size), "<u2");
            }
        }
        return root;
    }

    [Fact]
    public void AConvolutionAdapterOnMultichannelArraysExportsWithItsChannelStatistics()
    {
        string root = MultichannelFolder();
        var options = Options(root, new FeatureExtractionOptions()) with
        {
            Model = new ModelOptions { Size = Size, Adapter = AdapterKind.Conv1x1 },
            Training = new TrainingOptions { Epochs = 2, BatchSize = 4 },
        };
        using FitResult fitted = new TransferLearner(options).Fit();
        Assert.Equal(4, fitted.Model.ChannelInput!.Channels);
        AssertParity(fitted, DatasetLoader.Load(root).Items.Select(i => i.Source).Take(6).ToList());
    }

    [Fact]
    public void AnImageOfAnotherChannelCountOrSizeIsRefusedByOnnxRuntime()
    {
        var (train, _) = Images(color: false);
        using FitResult fitted = new TransferLearner(
            Options(train, new FeatureExtractionOptions { HeadSteps = 10 })
        ).Fit();
        string file = Path.Combine(TestPaths.NewTempDir("export-shape"), "model.onnx");
        ModelExport.Write(fitted.Model, file);
        using var session = new InferenceSession(file);
        foreach (int[] shape in new[] { new[] { 1, 1, Size, Size }, new[] { 1, 3, Size * 2, Size * 2 } })
        {
            var input = new DenseTensor<float>(new float[shape.Aggregate(1, (a, b) => a * b)], shape);
            var error = Assert.Throws<OnnxRuntimeException>(() =>
                session.Run(new[] { NamedOnnxValue.CreateFromTensor(ModelExport.InputName, input) })
            );
            Assert.Contains("invalid dimensions for input: image", error.Message);
        }
    }
}
