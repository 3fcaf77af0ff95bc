using TransferSharp.Backbones;
using static TorchSharp.torch;

namespace TransferSharp.Tests.Backbones;

/// <summary>The one-pass normalisation gives libtorch's operations' bits: every preprocessing a backbone can
/// have.</summary>
public class NormalizeTests
{
    public static TheoryData<string, int, bool> Cases() =>
        new()
        {
            // ML.NET's ResNet18: BGR, 0..255, a mean image.
            { "registered", 1, false },
            { "registered", 3, true },
            // An imported file: RGB, 0..1, per-channel mean and std; and BGR at 0..255 from a sidecar.
            { "imported", 1, true },
            { "imported", 1, false },
            { "imported", 3, false },
            { "imported-bgr", 3, true },
        };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnePassGivesLibtorchsBits(string kind, int channels, bool mirror)
    {
        using Backbone backbone = Load(kind);
        using var scope = NewDisposeScope();
        int size = backbone.InputSize;
        manual_seed(channels);
        Tensor pixels = randint(0, 256, new long[] { 5, size, size, channels }, dtype: ScalarType.Byte);

        Tensor fast = backbone.Normalize(pixels, CPU, mirror);
        Tensor reference = backbone.NormalizeWithTorch(pixels, CPU, mirror);

        Assert.Equal(reference.shape, fast.shape);
        Assert.True(fast.is_contiguous());
        float[] a = reference.data<float>().ToArray(),
            b = fast.data<float>().ToArray();
        int differ = Enumerable
            .Range(0, a.Length)
            .Count(i => BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]));
        Assert.True(differ == 0, $"{differ} of {a.Length} values differ from libtorch's");
        // A non-contiguous batch (a view) reads the same pixels.
        Tensor strided = cat(new[] { pixels, pixels }, 2).narrow(2, 0, size);
        Assert.Equal(b, backbone.Normalize(strided, CPU, mirror).data<float>().ToArray());
    }

    [Fact]
    public void ABatchOfTwoChannelsIsRefusedAsBefore()
    {
        using Backbone backbone = Load("imported");
        using var scope = NewDisposeScope();
        Tensor pixels = zeros(new long[] { 1, backbone.InputSize, backbone.InputSize, 2 }, ScalarType.Byte);
        Assert.Contains(
            "expected 1 or 3 channels",
            Assert.Throws<ArgumentException>(() => backbone.Normalize(pixels)).Message
        );
    }

    private static Backbone Load(string kind)
    {
        if (kind == "registered")
            return Backbone.Load(Registry.DefaultName, 32);
        string path = TinyCnn.Write(Path.Combine(TestPaths.NewTempDir("normalize"), "tiny.onnx"), true, 7, "gemm");
        var preprocessing =
            kind == "imported-bgr"
                ? new BackbonePreprocessing { ChannelOrder = ChannelOrder.Bgr, InputRange = 255 }
                : new BackbonePreprocessing { Mean = [0.485, 0.456, 0.406], Std = [0.229, 0.224, 0.225] };
        return Backbone.Load(path, 36, preprocessing: preprocessing); // 36: the vector loop and its tail
    }
}
