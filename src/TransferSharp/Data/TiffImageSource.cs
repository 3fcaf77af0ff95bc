namespace TransferSharp.Data;

/// <summary>One TIFF file as a multichannel source.</summary>
public sealed class TiffImageSource : IImageSource, IChannelSource
{
    /// <summary>The file at <paramref name="path"/>.</summary>
    public TiffImageSource(string path) => Id = path;

    /// <inheritdoc cref="IImageSource.Id" />
    public string Id { get; }

    /// <inheritdoc />
    public byte[] ContentBytes() => DataFile.ReadAllBytes(Id);

    /// <inheritdoc />
    public ChannelImage DecodeChannels() => TiffArrays.Read(Id);

    /// <summary>TIFF goes through the channel pipeline.</summary>
    public RawImage Decode() =>
        throw new DataException(
            $"{Id}: TIFF is read through the channel pipeline (fit chooses it for TIFF datasets).",
            Id
        );
}
