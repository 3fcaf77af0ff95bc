using System.Text;
using FsCheck;
using FsCheck.Xunit;
using TransferSharp.Backbones;
using TransferSharp.Data;

namespace TransferSharp.Tests.Fuzzing;

/// <summary>
/// Property-based tests (FsCheck) of every reader of user files: whatever the bytes, a reader returns a value or throws
/// the library's own error type with a message naming the file; never another exception.
/// </summary>
public class ReaderPropertyTests
{
    private static readonly string folder = TestPaths.NewTempDir("fuzz");

    /// <summary>Runs <paramref name="read"/>; any exception but the library's own, naming the file, fails the property
    /// (FsCheck reports it with the shrunk input).</summary>
    private static bool OwnErrorsOnly(string path, Action read)
    {
        try
        {
            read();
            return true;
        }
        catch (Exception e) when (e is DataException or OnnxImportException)
        {
            return e.Message.Contains(Path.GetFileName(path), StringComparison.Ordinal)
                ? true
                : throw new InvalidOperationException($"the error does not name the file: {e.Message}", e);
        }
    }

    private static string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(folder, $"{Environment.CurrentManagedThreadId}-{name}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary><paramref name="valid"/> with each (position, value) edit applied: damage that keeps most of the
    /// structure, which random bytes rarely reach.</summary>
    private static byte[] Mutated(byte[] valid, (int position, byte value)[] edits, int cut)
    {
        byte[] bytes = valid.ToArray();
        foreach (var (position, value) in edits)
            bytes[Math.Abs(position % bytes.Length)] = value;
        int keep = cut <= 0 ? bytes.Length : Math.Max(1, bytes.Length - cut % bytes.Length);
        return bytes[..keep];
    }

    private static byte[] ValidIdxImages()
    {
        string path = Path.Combine(folder, "valid-images-idx3-ubyte");
        IdxFormat.WriteImages(path, Enumerable.Range(0, 4).Select(i => new byte[9]).ToList(), 3, 3);
        return File.ReadAllBytes(path);
    }

    [Property(MaxTest = 300)]
    public bool IdxReadersRaiseOnlyTheirOwnErrors(byte[] noise, (int, byte)[] edits, int cut)
    {
        string images = Write("train-images-idx3-ubyte", Mutated(ValidIdxImages(), edits, cut));
        string labels = Write(
            "train-labels-idx1-ubyte",
            noise.Length == 0 ? new byte[] { 0, 0, 8, 1, 0, 0, 0, 0 } : noise
        );
        return OwnErrorsOnly(images, () => IdxFormat.ReadImages(images))
            && OwnErrorsOnly(labels, () => IdxFormat.ReadLabels(labels));
    }

    [Property(MaxTest = 300)]
    public bool NpyReaderRaisesOnlyItsOwnErrors(string header, (int, byte)[] edits, int cut)
    {
        string text = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({header ?? ""}), }}".PadRight(117) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 118, 0 };
        bytes.AddRange(Encoding.Latin1.GetBytes(text[..118]));
        bytes.AddRange(new byte[4 * 3 * 4 * 4]);
        string path = Write("fuzz.npy", Mutated(bytes.ToArray(), edits, cut));
        return OwnErrorsOnly(path, () => Npy.Read(path));
    }

    [Property(MaxTest = 300)]
    public bool CsvLoaderRaisesOnlyItsOwnErrors(string[] lines)
    {
        string dir = Path.Combine(folder, $"csv-{Environment.CurrentManagedThreadId}");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "a.png"), Array.Empty<byte>());
        string path = Path.Combine(dir, "data.csv");
        File.WriteAllText(
            path,
            "path,label\n" + string.Join("\n", (lines ?? Array.Empty<string>()).Select(l => l ?? ""))
        );
        return OwnErrorsOnly(path, () => DatasetLoader.Load(path));
    }

    [Property(MaxTest = 300)]
    public bool TiffReaderRaisesOnlyItsOwnErrors((int, byte)[] edits, int cut)
    {
        string path = Write(
            "fuzz.tif",
            Mutated(Convert.FromBase64String(Corpus.CorpusFixtures.Uint16Tiff), edits, cut)
        );
        return OwnErrorsOnly(path, () => TiffArrays.Read(path));
    }

    [Property(MaxTest = 200)]
    public bool OnnxImporterRaisesOnlyItsOwnErrors((int, byte)[] edits, int cut)
    {
        byte[] valid = TinyOnnx.Bytes("Relu");
        string path = Write("fuzz.onnx", Mutated(valid, edits, cut));
        return OwnErrorsOnly(path, () => OnnxImporter.Import(path).Dispose());
    }
}
