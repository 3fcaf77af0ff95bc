namespace TransferSharp.Data;

/// <summary>Where one image comes from: a file, or one record of an IDX file.</summary>
public interface IImageSource
{
    /// <summary>A file path, or "&lt;idx path&gt;#&lt;index&gt;".</summary>
    string Id { get; }

    /// <summary>The encoded file bytes, or the raw record: the content that cache keys hash.</summary>
    byte[] ContentBytes();

    /// <summary>Decodes; throws <see cref="DataException"/> naming <see cref="Id"/> for corrupt, truncated, empty or
    /// unsupported input.</summary>
    RawImage Decode();
}
