using System.IO.Compression;

namespace TransferSharp.Data;

/// <summary>IDX files (the MNIST format), raw or gzip-compressed (detected by the gzip magic bytes).</summary>
public static class IdxFormat
{
    /// <summary>Reads an images file (magic 0x00000803): one byte array (rows x cols) per image.</summary>
    public static (byte[][] images, int rows, int cols) ReadImages(string path)
    {
        byte[] bytes = ReadAll(path);
        if (bytes.Length < 16 || ReadInt(bytes, 0) != 0x00000803)
            throw new DataException($"{path}: not an IDX images file (bad magic number; expected 0x00000803).", path);
        int count = ReadInt(bytes, 4),
            rows = ReadInt(bytes, 8),
            cols = ReadInt(bytes, 12);
        if (count < 0 || rows <= 0 || cols <= 0)
            throw new DataException($"{path}: invalid IDX header ({count} images of {rows}x{cols}).", path);
        // A header can announce more than a long holds (three int32 factors): too large is truncated, not a wrap.
        double announced = 16.0 + (double)count * rows * cols;
        long expected = announced > int.MaxValue ? long.MaxValue : (long)announced;
        if (bytes.Length < expected)
            throw new DataException(
                $"{path}: the IDX file is truncated ({bytes.Length} bytes, the header announces {announced:0}).",
                path
            );
        var images = new byte[count][];
        int plane = rows * cols;
        for (int i = 0; i < count; i++)
            images[i] = bytes.AsSpan(16 + i * plane, plane).ToArray();
        return (images, rows, cols);
    }

    /// <summary>Reads a labels file (magic 0x00000801).</summary>
    public static byte[] ReadLabels(string path)
    {
        byte[] bytes = ReadAll(path);
        if (bytes.Length < 8 || ReadInt(bytes, 0) != 0x00000801)
            throw new DataException($"{path}: not an IDX labels file (bad magic number; expected 0x00000801).", path);
        int count = ReadInt(bytes, 4);
        if (count < 0 || bytes.Length < 8L + count)
            throw new DataException(
                $"{path}: the IDX labels file is truncated ({bytes.Length} bytes for {count} labels).",
                path
            );
        return bytes.AsSpan(8, count).ToArray();
    }

    /// <summary>Writes an images file (gzip when the path ends with .gz).</summary>
    public static void WriteImages(string path, IReadOnlyList<byte[]> images, int rows, int cols)
    {
        using var stream = Open(path);
        WriteInt(stream, 0x00000803);
        WriteInt(stream, images.Count);
        WriteInt(stream, rows);
        WriteInt(stream, cols);
        foreach (byte[] image in images)
        {
            if (image.Length != rows * cols)
                throw new ArgumentException($"an image has {image.Length} bytes, expected {rows * cols}");
            stream.Write(image);
        }
    }

    /// <summary>Writes a labels file (gzip when the path ends with .gz).</summary>
    public static void WriteLabels(string path, IReadOnlyList<byte> labels)
    {
        using var stream = Open(path);
        WriteInt(stream, 0x00000801);
        WriteInt(stream, labels.Count);
        stream.Write(labels.ToArray());
    }

    /// <summary>The labels file beside an images file: "images-idx3" replaced by "labels-idx1" in the name.</summary>
    public static string LabelsPathFor(string imagesPath)
    {
        string name = System.IO.Path.GetFileName(imagesPath);
        if (!name.Contains("images-idx3", StringComparison.Ordinal))
            throw new DataException(
                $"{imagesPath}: cannot find the labels file (the name should contain 'images-idx3', the labels file "
                    + $"'labels-idx1').",
                imagesPath
            );
        return System.IO.Path.Combine(
            System.IO.Path.GetDirectoryName(imagesPath) ?? ".",
            name.Replace("images-idx3", "labels-idx1", StringComparison.Ordinal)
        );
    }

    private static Stream Open(string path)
    {
        Stream file = File.Create(path);
        return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionLevel.SmallestSize)
            : file;
    }

    private static byte[] ReadAll(string path)
    {
        if (!File.Exists(path))
            throw new DataException($"{path}: file not found.", path);
        byte[] raw = DataFile.ReadAllBytes(path); // refuses FIFOs and devices instead of blocking on them
        if (raw.Length >= 2 && raw[0] == 0x1f && raw[1] == 0x8b)
        {
            try
            {
                using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
                using var output = new MemoryStream();
                gzip.CopyTo(output);
                return output.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw new DataException($"{path}: corrupt gzip data ({e.Message}).", path, e);
            }
            catch (EndOfStreamException e)
            {
                throw new DataException($"{path}: the gzip file is truncated.", path, e);
            }
        }
        return raw;
    }

    private static int ReadInt(byte[] bytes, int offset) =>
        (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];

    private static void WriteInt(Stream stream, int value) =>
        stream.Write(new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value });
}
