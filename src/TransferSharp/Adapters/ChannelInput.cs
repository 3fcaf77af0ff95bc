using TransferSharp.Backbones;
using TransferSharp.Data;
using static TorchSharp.torch;

namespace TransferSharp.Adapters;

/// <summary>
/// The channel pipeline's last step: standardise each channel with the training split's statistics, scale to the spread
/// the backbone's first layer expects (ImageNet pixels' standard deviation in the backbone's input units), and, for the
/// replicate adapter, tile the channels to three.
/// </summary>
/// <param name="Adapter">The adapter.</param>
/// <param name="Statistics">Per-channel mean and standard deviation of the training split.</param>
/// <param name="TargetScale">Standard deviation of the backbone's normalised input on natural images.</param>
public sealed record ChannelInput(AdapterKind Adapter, ChannelStatistics Statistics, double TargetScale)
{
    /// <summary>ImageNet's per-pixel standard deviation in 0..1 units (torchvision's constants), averaged over
    /// RGB.</summary>
    private const double ImageNetPixelStd = 0.226;

    /// <summary>Channels the input has.</summary>
    public int Channels => Statistics.Mean.Length;

    /// <summary>The spread of the backbone's normalised input on natural images.</summary>
    public static double TargetScaleFor(Backbone backbone) =>
        ImageNetPixelStd * backbone.Config.InputRange / backbone.Config.Std.Average();

    /// <summary>Network input [n, 3 or C, S, S] from raw channels [n, C, S, S].</summary>
    public Tensor Prepare(Tensor channels, Device device, bool mirror = false)
    {
        if (channels.shape[1] != Channels)
            throw new DataException(
                $"the input has {channels.shape[1]} channels, the model was trained on {Channels}."
            );
        using var scope = NewDisposeScope();
        Tensor mean = tensor(Statistics.Mean.Select(v => (float)v).ToArray()).reshape(1, -1, 1, 1).to(device);
        Tensor scale = tensor(Statistics.Std.Select(v => (float)(TargetScale / v)).ToArray())
            .reshape(1, -1, 1, 1)
            .to(device);
        Tensor x = (channels.to(device).to(ScalarType.Float32) - mean) * scale;
        if (mirror)
            x = x.flip(3);
        if (Adapter == AdapterKind.Replicate && Channels != 3)
            x = x.index_select(
                1,
                tensor(Enumerable.Range(0, 3).Select(k => (long)(k % Channels)).ToArray()).to(device)
            );
        return x.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Per-channel mean and standard deviation of [N, C, S, S] (standard deviations floored at 1e-6 of the
    /// largest).</summary>
    public static ChannelStatistics Measure(Tensor channels)
    {
        using var scope = NewDisposeScope();
        Tensor x = channels.to(ScalarType.Float64);
        double[] mean = x.mean(new long[] { 0, 2, 3 }).data<double>().ToArray();
        double[] std = x.std(new long[] { 0, 2, 3 }).data<double>().ToArray();
        double floor = Math.Max(std.DefaultIfEmpty(0).Max() * 1e-6, 1e-12);
        return new ChannelStatistics(mean, std.Select(s => Math.Max(s, floor)).ToArray());
    }

    /// <summary>The channels of [N, C, S, S] that hold one value everywhere (all-zero bands, an unused
    /// channel).</summary>
    public static int[] ConstantChannels(Tensor channels)
    {
        using var scope = NewDisposeScope();
        Tensor x = channels.transpose(0, 1).flatten(1);
        double[] spread = (x.amax(1) - x.amin(1)).to(ScalarType.Float64).data<double>().ToArray();
        return Enumerable.Range(0, spread.Length).Where(c => spread[c] == 0).ToArray();
    }

    /// <summary>Reads any source as channels: arrays as they are, 8-bit images as gray or RGB in 0..255.</summary>
    public static ChannelImage Read(IImageSource source) =>
        source is IChannelSource arrays ? arrays.DecodeChannels() : ChannelImage.FromRaw(source.Decode());

    /// <summary>Resizes [C, H, W] to [C, size, size] (bilinear; antialiased when shrinking).</summary>
    public static Tensor Resize(ChannelImage image, int size)
    {
        using var scope = NewDisposeScope();
        Tensor x = tensor(image.Data, new long[] { 1, image.Channels, image.Height, image.Width });
        if (image.Height != size || image.Width != size)
            x = nn.functional.interpolate(
                x,
                new long[] { size, size },
                mode: InterpolationMode.Bilinear,
                align_corners: false,
                antialias: image.Height > size || image.Width > size
            );
        return x.squeeze(0).MoveToOuterDisposeScope();
    }
}
