namespace TransferSharp.Data;

/// <summary>A multichannel image as floats, channel-major [C, H, W], in the file's own units.</summary>
/// <param name="Data">Values, C x H x W.</param>
/// <param name="Channels">C.</param>
/// <param name="Height">H.</param>
/// <param name="Width">W.</param>
public sealed record ChannelImage(float[] Data, int Channels, int Height, int Width)
{
    /// <summary>An 8-bit image (gray or RGB) as channels in 0..255.</summary>
    public static ChannelImage FromRaw(RawImage image)
    {
        int c = image.Channels,
            plane = image.Width * image.Height;
        var data = new float[c * plane];
        for (int i = 0; i < plane; i++)
        for (int k = 0; k < c; k++)
            data[k * plane + i] = image.Pixels[i * c + k];
        return new ChannelImage(data, c, image.Height, image.Width);
    }
}
