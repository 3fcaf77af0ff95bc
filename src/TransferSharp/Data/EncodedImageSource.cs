namespace TransferSharp.Data;

/// <summary>An encoded image held in memory (PNG, JPEG, BMP, GIF, WebP bytes), e.g. the body of a request.</summary>
public sealed class EncodedImageSource : IImageSource
{
    private readonly byte[] bytes;

    /// <summary>The image in <paramref name="bytes"/>, named <paramref name="id"/> in errors.</summary>
    public EncodedImageSource(byte[] bytes, string id = "image")
    {
        this.bytes = bytes;
        Id = id;
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public byte[] ContentBytes() => bytes;

    /// <inheritdoc />
    public RawImage Decode() => ImageDecoder.Decode(bytes, Id);
}
