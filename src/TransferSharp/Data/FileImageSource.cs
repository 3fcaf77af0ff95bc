namespace TransferSharp.Data;

/// <summary>An image file on disk.</summary>
public sealed class FileImageSource : IImageSource
{
    /// <summary>The file at <paramref name="path"/>.</summary>
    public FileImageSource(string path) => Id = path;

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public byte[] ContentBytes() => DataFile.ReadAllBytes(Id);

    /// <inheritdoc />
    public RawImage Decode() => ImageDecoder.Decode(ContentBytes(), Id);
}
