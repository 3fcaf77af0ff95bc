namespace TransferSharp.Data;

/// <summary>One .npy file as an image source: multichannel (read through <see cref="IChannelSource"/>).</summary>
public sealed class NpyImageSource : IImageSource, IChannelSource
{
    private readonly bool channelsLast;

    /// <summary>The file at <paramref name="path"/>.</summary>
    public NpyImageSource(string path, bool channelsLast = false)
    {
        Id = path;
        this.channelsLast = channelsLast;
    }

    /// <inheritdoc cref="IImageSource.Id" />
    public string Id { get; }

    /// <inheritdoc />
    public byte[] ContentBytes() => DataFile.ReadAllBytes(Id);

    /// <inheritdoc />
    public ChannelImage DecodeChannels() => Npy.Read(Id, channelsLast);

    /// <summary>8-bit decoding is not defined for arrays: multichannel data goes through the channel
    /// pipeline.</summary>
    public RawImage Decode() =>
        throw new DataException(
            $"{Id}: a .npy array is multichannel data; it is read through the channel pipeline (fit chooses it for "
                + $".npy datasets).",
            Id
        );
}
