using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>A decoded, resized batch: uint8 pixels [N, S, S, C] and the positions of its images in the source
/// list.</summary>
public sealed record PixelBatch(int[] Positions, byte[] Pixels, int Size, int Channels)
{
    /// <summary>The batch as a uint8 tensor [N, S, S, C] (CPU).</summary>
    public Tensor ToTensor() => tensor(Pixels, new long[] { Positions.Length, Size, Size, Channels }, ScalarType.Byte);
}
