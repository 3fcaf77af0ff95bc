using TransferSharp.Backbones;
using static TorchSharp.torch;

namespace TransferSharp.Adapters;

/// <summary>The input adapters and their names.</summary>
public static class InputAdapters
{
    /// <summary>The layer group of the 1x1 adapter (its own learning-rate group).</summary>
    public const string GroupName = "adapter";

    /// <summary>CLI names.</summary>
    public static readonly IReadOnlyDictionary<string, AdapterKind> Names = new Dictionary<string, AdapterKind>
    {
        ["replicate"] = AdapterKind.Replicate,
        ["weight-sum"] = AdapterKind.WeightSum,
        ["conv1x1"] = AdapterKind.Conv1x1,
    };

    /// <summary>The CLI name of a kind.</summary>
    public static string NameOf(AdapterKind kind) => Names.First(p => p.Value == kind).Key;

    /// <summary>Parses a name; the error (an <see cref="ArgumentOutOfRangeException"/>, as the fit loop's options give)
    /// lists the known ones.</summary>
    public static AdapterKind Parse(string name) =>
        Names.TryGetValue(name, out var kind)
            ? kind
            : throw new ArgumentOutOfRangeException(
                null,
                $"--adapter {name}: unknown adapter. Available: {string.Join(", ", Names.Keys)}."
            );

    /// <summary>The replicate mapping as a [3, C] matrix: output channel k reads input channel k mod C.</summary>
    public static float[,] ReplicateMapping(int channels)
    {
        var m = new float[3, channels];
        for (int k = 0; k < 3; k++)
            m[k, k % channels] = 1;
        return m;
    }

    /// <summary>
    /// Changes <paramref name="backbone"/>'s network for <paramref name="kind"/> and <paramref name="channels"/> input
    /// channels: weight-sum reshapes the first convolution, conv1x1 inserts the adapter group; replicate changes
    /// nothing.
    /// </summary>
    public static void Apply(Backbone backbone, AdapterKind kind, int channels)
    {
        if (channels < 1)
            throw new ArgumentOutOfRangeException(nameof(channels), "at least one channel");
        var network = backbone.Network;
        switch (kind)
        {
            case AdapterKind.Replicate:
                return;
            case AdapterKind.WeightSum:
            {
                var (_, weight) = network.FirstConvolution() ?? throw new InvalidOperationException("no convolution");
                using var scope = NewDisposeScope();
                Tensor w = weight.detach();
                // The weights are stored in the backbone's channel order; the sum and the repetition do not care.
                Tensor adapted =
                    channels == 1
                        ? w.sum(new long[] { 1 }, keepdim: true)
                        : w.repeat(1, (channels + 2) / 3, 1, 1).narrow(1, 0, channels) * (3.0 / channels);
                network.ReshapeFirstConvolution(adapted.contiguous());
                return;
            }
            case AdapterKind.Conv1x1:
            {
                var init = new float[3 * channels];
                if (channels == 3)
                {
                    // Luminance (ITU-R BT.601), in the backbone's channel order.
                    double[] luma =
                        backbone.Config.ChannelOrder == ChannelOrder.Bgr
                            ? new[] { 0.114, 0.587, 0.299 }
                            : new[] { 0.299, 0.587, 0.114 };
                    for (int k = 0; k < 3; k++)
                    for (int c = 0; c < 3; c++)
                        init[k * 3 + c] = (float)luma[c];
                }
                else
                {
                    float[,] m = ReplicateMapping(channels);
                    for (int k = 0; k < 3; k++)
                    for (int c = 0; c < channels; c++)
                        init[k * channels + c] = m[k, c];
                }
                network.InsertInputAdapter(GroupName, tensor(init, new long[] { 3, channels, 1, 1 }));
                return;
            }
        }
    }
}
