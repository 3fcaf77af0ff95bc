using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Strategies.FineTune;
using TransferSharp.Training;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Training;

/// <summary>bf16 training: the convolutions compute in bf16 while training only, with fp32 outputs, parameters and
/// gradients; a fit with it trains and records it.</summary>
public class Bf16TrainingTests
{
    [Fact]
    public void TrainingPassesComputeConvolutionsInBf16AndEvaluationStaysFp32()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, 32);
        OnnxGraphModule network = backbone.Network;
        manual_seed(0);
        using Tensor x = randn(4, 3, 32, 32);
        network.train();
        using Tensor fp32 = network.forward(x).detach();
        network.TrainingComputeType = ScalarType.BFloat16;
        try
        {
            Assert.Equal(ScalarType.BFloat16, network.TrainingComputeType);
            using Tensor low = network.forward(x);
            Assert.Equal(ScalarType.Float32, low.dtype);
            // It changed the numbers, within reason: BatchNorm's batch statistics over a 1x1 map amplify the
            // differences at the end; one convolution shows bf16's own error (8 bits of mantissa, about 0.4 %).
            double relative = (low.detach() - fp32).norm().item<float>() / fp32.norm().item<float>();
            Assert.InRange(relative, 1e-4, 0.5);
            var conv = network.Steps.Select(s => s.op).OfType<ConvOp>().First();
            using Tensor image = randn(4, conv.parameters().First().shape[1], 32, 32);
            using Tensor convLow = conv.Run([image], true);
            conv.TrainingComputeType = null;
            using Tensor convFp32 = conv.Run([image], true);
            conv.TrainingComputeType = ScalarType.BFloat16;
            double convRelative = (convLow - convFp32).norm().item<float>() / convFp32.norm().item<float>();
            Assert.InRange(convRelative, 1e-5, 0.02);
            low.sum().backward();
            var weight = network.parameters().First();
            Assert.Equal(ScalarType.Float32, weight.dtype);
            Assert.NotNull(weight.grad);
            Assert.Equal(ScalarType.Float32, weight.grad!.dtype);

            network.eval();
            using var noGrad = no_grad();
            using Tensor evalLow = network.forward(x);
            network.TrainingComputeType = null;
            using Tensor evalFp32 = network.forward(x);
            Assert.True(evalLow.eq(evalFp32).all().item<bool>(), "evaluation must not run in bf16");
        }
        finally
        {
            network.TrainingComputeType = null;
        }
    }

    [Fact]
    public void AFineTuneInBf16TrainsAndRecordsItsPrecision()
    {
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("bf16-train"), 3, 8, 32, true);
        var options = TestRuns.Options(train, new FineTuneOptions());
        using FitResult fitted = new TransferLearner(
            options with
            {
                Training = options.Training with { Epochs = 2, Precision = TrainingPrecision.Bf16 },
            }
        ).Fit();
        Assert.Equal(2, fitted.Report.Epochs!.Count);
        Assert.All(fitted.Report.Epochs, e => Assert.True(double.IsFinite(e.TrainLoss)));
        // Left in fp32 for what comes after training (predict, export).
        Assert.Null(fitted.Model.Backbone.Network.TrainingComputeType);
        string folder = fitted.Save(TestPaths.NewTempDir("bf16-run"));
        Assert.Contains("\"precision\": \"bf16\"", File.ReadAllText(Path.Combine(folder, "config.json")));
    }

    [Fact]
    public void AutoPicksBf16OnlyWhereTheCpuHasItAndTheCheckPasses()
    {
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("bf16-auto"), 3, 8, 32, true);
        using Backbone backbone = Backbone.Load(Registry.DefaultName, 64);
        var data = DatasetLoader.Load(train);
        using var store = ImageStore.Load(data, [.. Enumerable.Range(0, data.Items.Count)], 64, false, null, "train");
        var model = new TransferModel(backbone, new ClassifierHead(backbone.FeatureWidth, 3));
        var before = backbone.Network.buffers().Select(b => b.clone()).ToList();

        var without = PrecisionCheck.Resolve(model, store, CPU, cpuHasBf16: false);
        Assert.Equal("fp32", without.Used);
        Assert.Contains("AVX512_BF16", without.Reason);
        Assert.Null(without.GradientError);

        var with = PrecisionCheck.Resolve(model, store, CPU, cpuHasBf16: true);
        Assert.True(with.Used == "bf16", with.Reason);
        Assert.Equal(24, with.CheckImages);
        // It ran both arithmetics (bf16 moved the gradient, less than another minibatch does) and left the network as
        // it found it.
        Assert.InRange(with.GradientError!.Value, 1e-4, PrecisionCheck.MaxErrorToNoise * with.MinibatchNoise!.Value);
        Assert.Null(backbone.Network.TrainingComputeType);
        Assert.All(
            backbone.Network.buffers().Zip(before),
            p => Assert.True(p.First.eq(p.Second).all().item<bool>(), "BatchNorm statistics must be put back")
        );
        Assert.All(backbone.Network.parameters(), p => Assert.Null(p.grad));
        Assert.Equal("fp32", PrecisionCheck.Resolve(model, store, META, cpuHasBf16: true).Used);
    }

    [Fact]
    public void AFitWithAutoPrecisionRecordsTheChoiceAndTrainsInIt()
    {
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("bf16-auto-fit"), 3, 8, 32, true);
        var options = TestRuns.Options(train, new FineTuneOptions());
        using FitResult fitted = new TransferLearner(
            options with
            {
                Training = options.Training with { Epochs = 1, Precision = TrainingPrecision.Auto },
            }
        ).Fit();
        var precision = fitted.Report.TrainingPrecision!;
        Assert.Equal("auto", precision.Requested);
        Assert.Equal(PrecisionCheck.CpuHasBf16, precision.CpuBf16);
        // This machine's CPU decides; the loop ran what the record says.
        Assert.Equal(PrecisionCheck.CpuHasBf16 ? "bf16" : "fp32", precision.Used);
        var used = precision.Used == "bf16" ? TrainingPrecision.Bf16 : TrainingPrecision.Fp32;
        Assert.Equal(used, fitted.Report.Training!.Precision);
    }
}
