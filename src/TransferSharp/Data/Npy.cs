using System.Text;
using System.Text.RegularExpressions;

namespace TransferSharp.Data;

/// <summary>
/// NumPy .npy arrays (format versions 1-3): uint8, uint16 or float32, little-endian, C order; shapes [H, W] (one
/// channel), [C, H, W], or [H, W, C] when <c>channelsLast</c>. NaN and infinite values are an error naming the file.
/// </summary>
public static class Npy
{
    private static readonly byte[] magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    /// <summary>Reads a .npy image.</summary>
    public static ChannelImage Read(string path, bool channelsLast = false)
    {
        try
        {
            return ReadChecked(path, channelsLast);
        }
        catch (Exception e) when (e is not DataException)
        {
            throw new DataException($"{path}: not a readable .npy array ({e.GetType().Name}: {e.Message}).", path, e);
        }
    }

    private static ChannelImage ReadChecked(string path, bool channelsLast)
    {
        byte[] bytes = DataFile.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(magic))
            throw new DataException($"{path}: not a NumPy .npy file (bad magic bytes).", path);
        int major = bytes[6];
        int headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int headerStart = major == 1 ? 10 : 12;
        if (headerLength < 0 || headerStart + (long)headerLength > bytes.Length)
            throw new DataException($"{path}: truncated .npy header.", path);
        string header = Encoding.Latin1.GetString(bytes, headerStart, headerLength);
        string descr = Regex.Match(header, @"'descr'\s*:\s*'([^']*)'").Groups[1].Value;
        bool fortran = Regex.Match(header, @"'fortran_order'\s*:\s*(True|False)").Groups[1].Value == "True";
        var shapeText = Regex.Match(header, @"'shape'\s*:\s*\(([^)]*)\)").Groups[1].Value;
        string[] dims = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int[] shape = dims.Select(d => int.TryParse(d, out int n) ? n : -1).ToArray();
        if (shape.Any(n => n <= 0))
            throw new DataException(
                $"{path}: shape ({shapeText}) has an empty, negative or unreadable dimension; nothing to train on.",
                path
            );
        if (fortran)
            throw new DataException(
                $"{path}: Fortran-order arrays are not supported; save with np.ascontiguousarray.",
                path
            );
        int size = descr switch
        {
            "|u1" or "<u1" => 1,
            "<u2" => 2,
            "<f4" => 4,
            _ => throw new DataException(
                $"{path}: unsupported dtype '{descr}' (supported: uint8 '|u1', uint16 '<u2', float32 '<f4').",
                path
            ),
        };
        if (shape.Length is < 2 or > 3)
            throw new DataException(
                $"{path}: shape ({shapeText}) is not an image: expected [H, W], [C, H, W] or [H, W, C].",
                path
            );
        long count = shape.Aggregate(1L, (a, b) => a * b);
        int offset = headerStart + headerLength;
        if (bytes.Length - offset < count * size)
            throw new DataException(
                $"{path}: truncated data ({bytes.Length - offset} bytes for {count} values of {size} bytes).",
                path
            );
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            float v = size switch
            {
                1 => bytes[offset + i],
                2 => BitConverter.ToUInt16(bytes, (int)(offset + 2 * i)),
                _ => BitConverter.ToSingle(bytes, (int)(offset + 4 * i)),
            };
            if (!float.IsFinite(v))
                throw new DataException($"{path}: contains NaN or infinite values (first at flat index {i}).", path);
            values[i] = v;
        }
        if (shape.Length == 2)
            return new ChannelImage(values, 1, shape[0], shape[1]);
        if (!channelsLast)
            return new ChannelImage(values, shape[0], shape[1], shape[2]);
        int h = shape[0],
            w = shape[1],
            c = shape[2];
        var chw = new float[count];
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        for (int k = 0; k < c; k++)
            chw[(k * h + y) * w + x] = values[(y * w + x) * c + k];
        return new ChannelImage(chw, c, h, w);
    }

    /// <summary>Writes a float32 [C, H, W] (or uint8 / uint16 when <paramref name="dtype"/> says so) .npy
    /// file.</summary>
    public static void Write(string path, ChannelImage image, string dtype = "<f4")
    {
        int size = dtype switch
        {
            "|u1" => 1,
            "<u2" => 2,
            "<f4" => 4,
            _ => throw new ArgumentException($"unsupported dtype {dtype}"),
        };
        string shape = $"({image.Channels}, {image.Height}, {image.Width})";
        string header = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write(magic);
        writer.Write((byte)1);
        writer.Write((byte)0);
        writer.Write((ushort)header.Length);
        writer.Write(Encoding.Latin1.GetBytes(header));
        foreach (float v in image.Data)
        {
            if (size == 1)
                writer.Write((byte)Math.Clamp(MathF.Round(v), 0, 255));
            else if (size == 2)
                writer.Write((ushort)Math.Clamp(MathF.Round(v), 0, 65535));
            else
                writer.Write(v);
        }
    }
}
