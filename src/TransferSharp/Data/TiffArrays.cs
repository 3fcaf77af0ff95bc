using BitMiracle.LibTiff.Classic;

namespace TransferSharp.Data;

/// <summary>
/// Multichannel TIFF (BitMiracle.LibTiff.NET): striped images with any number of samples per pixel, contiguous or
/// planar, unsigned 8/16-bit or 32-bit float samples; the first directory (page) is read.
/// </summary>
public static class TiffArrays
{
    /// <summary>Reads a TIFF as [C, H, W]; errors name the file and the problem.</summary>
    public static ChannelImage Read(string path)
    {
        try
        {
            return ReadChecked(path);
        }
        catch (Exception e) when (e is not DataException)
        {
            // LibTiff throws what its stream throws on a damaged file: one error naming the file instead.
            throw new DataException($"{path}: not a readable TIFF file ({e.GetType().Name}: {e.Message}).", path, e);
        }
    }

    private static ChannelImage ReadChecked(string path)
    {
        var errors = new ErrorCollector();
        Tiff.SetErrorHandler(errors);
        using var content = new MemoryStream(DataFile.ReadAllBytes(path));
        using Tiff? tiff = Tiff.ClientOpen(path, "r", content, new TiffStream());
        if (tiff is null)
            throw new DataException($"{path}: not a readable TIFF file{errors.Describe()}.", path);
        int width = tiff.GetField(TiffTag.IMAGEWIDTH)[0].ToInt(),
            height = tiff.GetField(TiffTag.IMAGELENGTH)[0].ToInt();
        int samples = tiff.GetField(TiffTag.SAMPLESPERPIXEL)?[0].ToInt() ?? 1;
        int bits = tiff.GetField(TiffTag.BITSPERSAMPLE)?[0].ToInt() ?? 1;
        var format = (SampleFormat)(tiff.GetField(TiffTag.SAMPLEFORMAT)?[0].ToInt() ?? (int)SampleFormat.UINT);
        var planar = (PlanarConfig)(tiff.GetField(TiffTag.PLANARCONFIG)?[0].ToInt() ?? (int)PlanarConfig.CONTIG);
        if (tiff.IsTiled())
            throw new DataException($"{path}: tiled TIFF is not supported (striped only).", path);
        bool supported =
            (format == SampleFormat.UINT && bits is 8 or 16) || (format == SampleFormat.IEEEFP && bits == 32);
        if (!supported)
            throw new DataException(
                $"{path}: unsupported TIFF sample type ({format}, {bits} bits; supported: uint8, uint16, float32).",
                path
            );
        if (width <= 0 || height <= 0 || (long)width * height * samples > Limits.MaximumImagePixels)
            throw new DataException(
                $"{path}: the TIFF declares {samples} x {width}x{height} samples (none, or more than the limit of "
                    + $"{Limits.MaximumImagePixels:N0}).",
                path
            );
        int bytes = bits / 8;
        var data = new float[samples * height * width];
        byte[] line = new byte[tiff.ScanlineSize()];
        float Sample(int offset) =>
            bits switch
            {
                8 => line[offset],
                16 => BitConverter.ToUInt16(line, offset),
                _ => BitConverter.ToSingle(line, offset),
            };
        for (int plane = 0; plane < (planar == PlanarConfig.SEPARATE ? samples : 1); plane++)
        for (int y = 0; y < height; y++)
        {
            if (!tiff.ReadScanline(line, y, (short)plane))
                throw new DataException($"{path}: cannot read row {y}{errors.Describe()}.", path);
            for (int x = 0; x < width; x++)
            {
                if (planar == PlanarConfig.SEPARATE)
                    data[(plane * height + y) * width + x] = Sample(x * bytes);
                else
                    for (int c = 0; c < samples; c++)
                        data[(c * height + y) * width + x] = Sample((x * samples + c) * bytes);
            }
        }
        foreach (float v in data)
            if (!float.IsFinite(v))
                throw new DataException($"{path}: contains NaN or infinite values.", path);
        return new ChannelImage(data, samples, height, width);
    }

    private sealed class ErrorCollector : TiffErrorHandler
    {
        private readonly List<string> messages = new();

        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) =>
            messages.Add(string.Format(format, args));

        public override void WarningHandler(Tiff tif, string method, string format, params object[] args) { }

        public string Describe() => messages.Count == 0 ? "" : $" ({string.Join("; ", messages)})";
    }
}
