using TransferSharp.Backbones;
using TransferSharp.Learning;
using TransferSharp.Strategies.FineTune;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Training;

/// <summary>fp32 training convolves channels-last (oneDNN's layout): the values of NCHW up to float rounding,
/// gradients and parameters in NCHW, evaluation untouched; a fit records the layout; `--nchw` turns it off.</summary>
public class ChannelsLastTrainingTests
{
    [Fact]
    public void TrainingConvolutionsRunChannelsLastWithNchwGradientsAndEvaluationStaysNchw()
    {
        using Backbone backbone = Backbone.Load(Registry.DefaultName, 32);
        OnnxGraphModule network = backbone.Network;
        var conv = network.Steps.Select(s => s.op).OfType<ConvOp>().Skip(1).First();
        manual_seed(0);
        using Tensor image = randn(4, conv.parameters().First().shape[1], 16, 16);
        using Tensor x = randn(4, 3, 32, 32);
        network.train();
        using Tensor nchw = network.forward(x);
        nchw.sum().backward();
        var weight = network.parameters().First();
        using Tensor nchwGrad = weight.grad!.clone();
        network.zero_grad();
        using Tensor convNchw = conv.Run([image], true);
        Assert.NotEqual(1, convNchw.stride(1));
        network.TrainingChannelsLast = true;
        try
        {
            using Tensor convLast = conv.Run([image], true);
            Assert.Equal(1, convLast.stride(1)); // channels-last strides: C varies fastest
            double convRelative = (convLast - convNchw).norm().item<float>() / convNchw.norm().item<float>();
            Assert.InRange(convRelative, 0, 1e-5);

            using Tensor last = network.forward(x);
            double relative = (last.detach() - nchw.detach()).norm().item<float>() / nchw.norm().item<float>();
            Assert.InRange(relative, 0, 1e-3);
            last.sum().backward();
            // Gradients land in the parameters' own layout, so the optimizer, checkpoints and export see NCHW.
            Assert.True(weight.grad!.is_contiguous());
            double gradRelative = (weight.grad - nchwGrad).norm().item<float>() / nchwGrad.norm().item<float>();
            Assert.InRange(gradRelative, 0, 1e-2);
            Assert.True(weight.is_contiguous());

            network.eval();
            using var noGrad = no_grad();
            using Tensor evalLast = conv.Run([image], false);
            Assert.NotEqual(1, evalLast.stride(1));
            network.TrainingChannelsLast = false;
            using Tensor evalNchw = conv.Run([image], false);
            Assert.True(evalLast.eq(evalNchw).all().item<bool>(), "evaluation must not change with the layout");
        }
        finally
        {
            network.TrainingChannelsLast = false;
        }
    }

    // The shapes where libtorch 2.10's oneDNN 1x1 kernels went wrong (256->512: 14 % off channels-last) or died of
    // SIGFPE (1,024 outputs channels-last; 2,048 outputs at stride 2 in NCHW's backward) on an AVX-512 CPU.
    [Theory]
    [InlineData(256, 512, 2, false, false)]
    [InlineData(256, 512, 2, true, false)]
    [InlineData(256, 1024, 1, true, false)]
    [InlineData(1024, 2048, 2, false, false)]
    [InlineData(1024, 2048, 2, true, false)]
    [InlineData(256, 1024, 1, true, true)]
    [InlineData(512, 2048, 2, false, true)]
    public void PointwiseConvolutionsTrainCorrectlyInEveryLayoutAndPrecision(
        int inputs,
        int outputs,
        int stride,
        bool channelsLast,
        bool bf16
    )
    {
        manual_seed(0);
        using Tensor weight64 = randn(outputs, inputs, 1, 1, dtype: ScalarType.Float64) * 0.05;
        using Tensor bias64 = randn(outputs, dtype: ScalarType.Float64);
        using Tensor x64 = randn(16, inputs, 7, 7, dtype: ScalarType.Float64).requires_grad_(true);
        var window = new Window
        {
            Kernel = [1, 1],
            Strides = [stride, stride],
            Dilations = [1, 1],
            PadBegin = [0, 0],
            PadEnd = [0, 0],
        };
        using var conv = new ConvOp("c", weight64.to(ScalarType.Float32), bias64.to(ScalarType.Float32), window, 1)
        {
            TrainingChannelsLast = channelsLast,
            TrainingComputeType = bf16 ? ScalarType.BFloat16 : null,
        };
        using Tensor x = x64.detach().to(ScalarType.Float32).requires_grad_(true);
        using Tensor y = conv.Run([x], true);
        using Tensor w64 = weight64.clone().requires_grad_(true);
        using Tensor truth = TorchSharp.torch.nn.functional.conv2d(x64, w64, bias64, [stride, stride]);
        Assert.Equal(truth.shape, y.shape);
        using Tensor direction = randn(truth.shape, dtype: ScalarType.Float64);
        (y * direction.to(ScalarType.Float32)).sum().backward();
        (truth * direction).sum().backward();
        double Relative(Tensor a, Tensor b) =>
            (a.to(ScalarType.Float64) - b).norm().item<double>() / b.norm().item<double>();
        double limit = bf16 ? 1e-2 : 1e-5;
        Assert.InRange(Relative(y.detach(), truth.detach()), 0, limit);
        Assert.InRange(Relative(x.grad!, x64.grad!), 0, limit);
        Assert.InRange(Relative(conv.parameters().First().grad!, w64.grad!), 0, limit);
        Assert.Equal(ScalarType.Float32, y.dtype);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AFitTrainsInTheLayoutAskedAndRecordsIt(bool channelsLast)
    {
        string train = TestImages.WriteFolder(TestPaths.NewTempDir("layout-train"), 3, 8, 32, true);
        var options = TestRuns.Options(train, new FineTuneOptions());
        using FitResult fitted = new TransferLearner(
            options with
            {
                Training = options.Training with { Epochs = 1, ChannelsLastConvolutions = channelsLast },
            }
        ).Fit();
        Assert.True(double.IsFinite(fitted.Report.Epochs![0].TrainLoss));
        // Left off for what comes after training (predict, export).
        Assert.False(fitted.Model.Backbone.Network.TrainingChannelsLast);
        string folder = fitted.Save(TestPaths.NewTempDir("layout-run"));
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
        Assert.Equal(
            channelsLast,
            config.RootElement.GetProperty("training").GetProperty("channels_last_convolutions").GetBoolean()
        );
    }
}
