namespace TransferSharp.Data;

/// <summary>One gray image of an IDX file.</summary>
public sealed class IdxImageSource : IImageSource
{
    private readonly byte[] pixels;
    private readonly int rows;
    private readonly int cols;

    /// <summary>Record <paramref name="index"/> of <paramref name="path"/>.</summary>
    public IdxImageSource(string path, int index, byte[] pixels, int rows, int cols)
    {
        Id = $"{path}#{index}";
        this.pixels = pixels;
        this.rows = rows;
        this.cols = cols;
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public byte[] ContentBytes() => pixels;

    /// <inheritdoc />
    public RawImage Decode() => new(cols, rows, 1, pixels);
}
