using Microsoft.ML.OnnxRuntime;
using TransferSharp.Backbones;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Backbones;

/// <summary>One import of the default backbone shared by the tests of a class (import takes a second or two).</summary>
public sealed class ResNet18Fixture : IDisposable
{
    public ResNet18Fixture() => Module = OnnxImporter.Import(TestPaths.ResNet18Onnx);

    public OnnxGraphModule Module { get; }

    public void Dispose() => Module.Dispose();
}

public class ParityTests : IClassFixture<ResNet18Fixture>
{
    private readonly OnnxGraphModule module;
    private readonly Xunit.Abstractions.ITestOutputHelper output;

    public ParityTests(ResNet18Fixture fixture, Xunit.Abstractions.ITestOutputHelper output)
    {
        module = fixture.Module;
        this.output = output;
    }

    private static float[] RandomInput(int batch, int size, int seed)
    {
        var random = new Random(seed);
        var data = new float[batch * 3 * size * size];
        // The model's input range: 0..255 minus a mean of about 100-120.
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(random.NextDouble() * 255 - 115);
        return data;
    }

    private static float[] RunOrt(string onnxPath, float[] input, long[] shape)
    {
        using var session = new InferenceSession(onnxPath);
        string inputName = session.InputMetadata.Keys.Single();
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var outputs = session.Run(new RunOptions(), new[] { inputName }, new[] { value }, session.OutputNames);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private float[] RunTorch(float[] input, long[] shape)
    {
        module.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return module.forward(tensor(input, shape)).flatten().data<float>().ToArray();
    }

    private static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    [Fact]
    public void MatchesOnnxRuntimeAt224()
    {
        long[] shape = { 1, 3, 224, 224 };
        float[] input = RandomInput(1, 224, seed: 1);
        float[] expected = RunOrt(TestPaths.ResNet18Onnx, input, shape);
        float[] actual = RunTorch(input, shape);
        Assert.Equal(512, actual.Length);
        double diff = MaxAbsDiff(expected, actual);
        output.WriteLine($"parity 224x224: max abs diff {diff:E3} (max |feature| {expected.Max(Math.Abs):F3})");
        Assert.True(diff <= 1e-4, $"max abs diff {diff:E3} at 224x224");
        Assert.True(expected.Max() > 0.1, "features should not be all zero");
    }

    [Fact]
    public void SizeAgnosticCopyMatchesOriginalAt224AndTorchAt112()
    {
        string dir = TestPaths.NewTempDir("parity");
        string copy = Path.Combine(dir, "resnet18-any-size.onnx");
        OnnxSizeAgnostic.Write(TestPaths.ResNet18Onnx, module, copy);

        long[] shape224 = { 1, 3, 224, 224 };
        float[] input224 = RandomInput(1, 224, seed: 2);
        double copyVsOriginal = MaxAbsDiff(
            RunOrt(TestPaths.ResNet18Onnx, input224, shape224),
            RunOrt(copy, input224, shape224)
        );
        Assert.True(copyVsOriginal <= 1e-5, $"rewritten graph differs from the original at 224: {copyVsOriginal:E3}");

        long[] shape112 = { 2, 3, 112, 112 };
        float[] input112 = RandomInput(2, 112, seed: 3);
        double diff = MaxAbsDiff(RunOrt(copy, input112, shape112), RunTorch(input112, shape112));
        output.WriteLine(
            $"parity 112x112 (size-agnostic copy): max abs diff {diff:E3}; copy vs original at 224: {copyVsOriginal:E3}"
        );
        Assert.True(diff <= 1e-4, $"max abs diff {diff:E3} at 112x112");
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(97)]
    public void RunsAtAnySizeFrom32(int size)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        module.eval();
        Tensor output = module.forward(randn(1, 3, size, size));
        Assert.Equal(new long[] { 1, 512, 1, 1 }, output.shape);
        Assert.False(output.isnan().any().item<bool>());
    }

    [Fact]
    public void ExactPaddingPolicyKeepsTheFilesPadsAndFailsWhereTheyBreakTheGraph()
    {
        using var exact = OnnxImporter.Import(
            TestPaths.ResNet18Onnx,
            new OnnxImportOptions { Padding = PaddingPolicy.Exact }
        );
        Assert.DoesNotContain(exact.Adaptations, a => a.Contains("pads"));
        Assert.Contains(module.Adaptations, a => a.Contains("pads [1,1,0,0] -> [1,1,1,1]"));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // The exported pads were computed for 224: at 112 the last residual add sees 3x3 and 4x4 maps.
        Assert.ThrowsAny<Exception>(() => exact.forward(randn(1, 3, 112, 112)));
    }

    [Fact]
    public void LayerGroupsFollowDownsamplingStages()
    {
        Assert.Equal(new[] { "stem", "stage1", "stage2", "stage3", "stage4" }, module.Groups.Select(g => g.Name));
        Assert.Equal(new long[] { 2, 4, 8, 16, 32 }, module.Groups.Select(g => g.OutputStride));
        Assert.Contains("Convolution249", module.Groups[0].NodeNames);
        // [2,2,2,3] blocks: stage4 holds three blocks of two convs plus the downsampling shortcut conv.
        Assert.Equal(7, module.Groups[4].NodeNames.Count(n => module.Nodes.First(x => x.Name == n).OpType == "Conv"));
        long total = module.parameters().Sum(p => p.numel());
        long grouped = Enumerable.Range(0, 5).Sum(g => module.GroupParameters(g).Sum(p => p.parameter.numel()));
        Assert.Equal(total, grouped);
    }

    [Fact]
    public void WeightsAreTrainableParametersAndStatisticsAreBuffers()
    {
        var names = module.named_parameters().Select(p => p.name).ToList();
        Assert.Contains("Convolution249.weight", names);
        Assert.Contains("BatchNormalization251.weight", names);
        Assert.All(module.parameters(), p => Assert.True(p.requires_grad));
        var buffers = module.named_buffers().Select(b => b.name).ToList();
        Assert.Contains("BatchNormalization251.running_mean", buffers);
        Assert.Contains("BatchNormalization251.running_var", buffers);
        Assert.DoesNotContain("BatchNormalization251.running_mean", names);
    }
}
