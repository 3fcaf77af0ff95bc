using System.Diagnostics;
using System.Text;
using SkiaSharp;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Learning;
using TransferSharp.Runs;
using TransferSharp.Strategies.FeatureExtraction;
using TransferSharp.Tests.Data;
using TransferSharp.Training;

namespace TransferSharp.Tests.Corpus;

/// <summary>Writes the corpus under a folder and says how each input is read.</summary>
public sealed class CorpusBuilder(string root)
{
    private static readonly string[] imageExtensions = { ".png", ".jpg", ".webp", ".bmp", ".gif" };
    private static readonly double[] cuts = { 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9 };
    private int next;

    public List<CorpusCase> All() =>
        Images()
            .Concat(Csv())
            .Concat(Idx())
            .Concat(Npy())
            .Concat(Tiff())
            .Concat(Onnx())
            .Concat(Runs())
            .Concat(Options())
            .ToList();

    private string NewFile(string kind, string name, byte[] bytes)
    {
        string dir = Path.Combine(root, kind, $"{next++:D3}");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static CorpusCase Decoded(
        string kind,
        string name,
        Expect expect,
        string path,
        Action<RawImage>? check = null
    )
    {
        return new CorpusCase(
            kind,
            name,
            expect,
            Path.GetFileName(path),
            () =>
            {
                IImageSource source = DatasetLoader.SourceFor(path);
                if (source is IChannelSource channels)
                    channels.DecodeChannels();
                else
                {
                    RawImage image = source.Decode();
                    check?.Invoke(image);
                }
            }
        );
    }

    private static byte[] Valid(string extension)
    {
        RawImage pattern = TestImages.Pattern(1, 24, 0, color: true);
        return extension switch
        {
            ".png" => TestImages.Encode(pattern, SKEncodedImageFormat.Png),
            ".jpg" => TestImages.Encode(pattern, SKEncodedImageFormat.Jpeg),
            ".webp" => TestImages.Encode(pattern, SKEncodedImageFormat.Webp, quality: 100),
            ".bmp" => Convert.FromBase64String(CorpusFixtures.Bmp),
            _ => Convert.FromBase64String(CorpusFixtures.PaletteGif),
        };
    }

    private IEnumerable<CorpusCase> Images()
    {
        var random = new Random(21);
        foreach (string ext in imageExtensions)
        {
            byte[] valid = Valid(ext);
            yield return Decoded("image", $"valid{ext}", Expect.Accept, NewFile("image", $"valid{ext}", valid));
            foreach (double cut in cuts)
            {
                string name = $"truncated-{cut:F2}{ext}";
                yield return Decoded(
                    "image",
                    name,
                    Expect.Refuse,
                    NewFile("image", name, valid[..(int)(valid.Length * cut)])
                );
            }
            yield return Decoded(
                "image",
                $"empty{ext}",
                Expect.Refuse,
                NewFile("image", $"empty{ext}", Array.Empty<byte>())
            );
            byte[] html = Encoding.UTF8.GetBytes("<!DOCTYPE html><html><body>404 Not Found</body></html>\n");
            yield return Decoded("image", $"html{ext}", Expect.Refuse, NewFile("image", $"html{ext}", html));
            byte[] text = Encoding.UTF8.GetBytes("path,label\nimg1.png,cat\n");
            yield return Decoded("image", $"text{ext}", Expect.Refuse, NewFile("image", $"text{ext}", text));
            for (int k = 0; k < 2; k++)
            {
                byte[] noise = new byte[200 + 300 * k];
                random.NextBytes(noise);
                yield return Decoded(
                    "image",
                    $"noise{k}{ext}",
                    Expect.Refuse,
                    NewFile("image", $"noise{k}{ext}", noise)
                );
            }
        }
        byte[] png = Valid(".png");
        foreach (var (w, h) in new[] { (50000, 50000), (65535, 65535), (1, 100_000_000), (100_000, 900) })
        {
            string name = $"declares-{w}x{h}.png";
            yield return Decoded(
                "image",
                name,
                Expect.Refuse,
                NewFile("image", name, ImageDecoderTests.WithPngSize(png, w, h))
            );
        }
        foreach (
            var (name, base64) in new[]
            {
                ("gray16.png", CorpusFixtures.Gray16Png),
                ("rgb16.png", CorpusFixtures.Rgb16Png),
                ("cmyk.jpg", CorpusFixtures.CmykJpeg),
                ("animated.gif", CorpusFixtures.AnimatedGif),
                ("palette.gif", CorpusFixtures.PaletteGif),
                ("gray-alpha.png", CorpusFixtures.GrayAlphaPng),
                ("bottom-up.bmp", CorpusFixtures.Bmp),
            }
        )
            yield return Decoded(
                "image",
                name,
                Expect.Accept,
                NewFile("image", name, Convert.FromBase64String(base64))
            );
        // An animated GIF cut in its second frame: the first frame, the one decoded, is whole.
        byte[] animated = Convert.FromBase64String(CorpusFixtures.AnimatedGif);
        foreach (double cut in new[] { 0.7, 0.9 })
        {
            string name = $"animated-cut-{cut:F1}.gif";
            yield return Decoded(
                "image",
                name,
                Expect.Accept,
                NewFile("image", name, animated[..(int)(animated.Length * cut)])
            );
        }
        // EXIF orientations: a 16x8 JPEG must come out 8x16 for the four rotated ones (5-8).
        byte[] wide = TestImages.Encode(new RawImage(16, 8, 3, new byte[16 * 8 * 3]), SKEncodedImageFormat.Jpeg);
        for (ushort o = 1; o <= 8; o++)
        {
            int width = o >= 5 ? 8 : 16;
            string name = $"exif-{o}.jpg";
            yield return Decoded(
                "image",
                name,
                Expect.Accept,
                NewFile("image", name, ImageDecoderTests.WithExifOrientation(wide, o)),
                image =>
                {
                    if (image.Width != width)
                        throw new InvalidOperationException($"orientation {o}: {image.Width} wide, expected {width}");
                }
            );
        }
        foreach (
            string name in new[]
            {
                "with space.png",
                "ünïcödé-名前.png",
                "new\nline.png",
                "-dash.png",
                new string('x', 200) + ".png",
                "UPPER.PNG",
            }
        )
            yield return Decoded(
                "image",
                "name " + name.Replace("\n", "\\n"),
                Expect.Accept,
                NewFile("image", name, png)
            );
        foreach (CorpusCase c in SpecialFiles(png))
            yield return c;
    }

    private IEnumerable<CorpusCase> SpecialFiles(byte[] png)
    {
        string dir = Path.Combine(root, "special");
        Directory.CreateDirectory(dir);
        string dangling = Path.Combine(dir, "dangling.png");
        File.CreateSymbolicLink(dangling, "/nonexistent/transfersharp/dangling.png");
        yield return Decoded("image", "dangling symlink", Expect.Refuse, dangling);
        string fifo = Path.Combine(dir, "fifo.png");
        using (var mkfifo = Process.Start("mkfifo", fifo))
            mkfifo.WaitForExit();
        yield return Decoded("image", "fifo", Expect.Refuse, fifo);
        string folder = Path.Combine(dir, "folder.png");
        Directory.CreateDirectory(folder);
        yield return Decoded("image", "folder named .png", Expect.Refuse, folder);
        // A file name that is not UTF-8 (bytes 0xff 0xfe), made by the shell: .NET sees a replacement character.
        string bad = Path.Combine(root, "badname");
        Directory.CreateDirectory(Path.Combine(bad, "a"));
        Directory.CreateDirectory(Path.Combine(bad, "b"));
        File.WriteAllBytes(Path.Combine(bad, "a", "ok.png"), png);
        File.WriteAllBytes(Path.Combine(bad, "b", "ok.png"), png);
        File.WriteAllBytes(Path.Combine(bad, "b", "src.png"), png);
        using (var mv = Process.Start("bash", new[] { "-c", $"mv '{bad}/b/src.png' $'{bad}/b/\\xff\\xfe.png'" }))
            mv.WaitForExit();
        yield return Dataset("folder", "non-UTF-8 file name", Expect.Either, bad, "badname");
    }

    private static CorpusCase Dataset(string kind, string name, Expect expect, string path, string names) =>
        new(
            kind,
            name,
            expect,
            names,
            () =>
            {
                ImageDataset data = DatasetLoader.Load(path);
                foreach (LabeledImage item in data.Items)
                {
                    if (item.Source is IChannelSource channels)
                        channels.DecodeChannels();
                    else
                        item.Source.Decode();
                }
            }
        );

    private IEnumerable<CorpusCase> Csv()
    {
        string dir = Path.Combine(root, "csv");
        Directory.CreateDirectory(dir);
        byte[] png = Valid(".png");
        foreach (string f in new[] { "a.png", "b.png", "c, d.png", "e.png" })
            File.WriteAllBytes(Path.Combine(dir, f), png);
        CorpusCase Csv(string name, Expect expect, string text, string? names = null)
        {
            string path = Path.Combine(dir, $"{next++:D3}-{name}.csv");
            File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: name == "bom"));
            return Dataset("csv", name, expect, path, names ?? Path.GetFileName(path));
        }
        yield return Csv("plain", Expect.Accept, "path,label\na.png,cat\nb.png,dog\n");
        yield return Csv("bom", Expect.Accept, "path,label\na.png,cat\nb.png,dog\n");
        yield return Csv("crlf", Expect.Accept, "path,label\r\na.png,cat\r\nb.png,dog\r\n");
        yield return Csv("quoted-comma", Expect.Accept, "path,label\n\"c, d.png\",cat\nb.png,dog\n");
        yield return Csv("label-first", Expect.Accept, "label,path\ncat,a.png\ndog,b.png\n");
        yield return Csv("blank-lines", Expect.Accept, "path,label\n\na.png,cat\n\nb.png,dog\n\n");
        yield return Csv("no-label-column", Expect.Refuse, "path\na.png\nb.png\n");
        yield return Csv("other-header", Expect.Refuse, "file,klass\na.png,cat\nb.png,dog\n");
        yield return Csv("no-header", Expect.Refuse, "a.png,cat\nb.png,dog\n");
        yield return Csv("missing-image", Expect.Refuse, "path,label\na.png,cat\nmissing.png,dog\n", "missing.png");
        yield return Csv("empty-label", Expect.Refuse, "path,label\na.png,cat\nb.png,\n");
        yield return Csv("empty", Expect.Refuse, "");
        yield return Csv("header-only", Expect.Refuse, "path,label\n");
        yield return Csv("one-class", Expect.Refuse, "path,label\na.png,cat\nb.png,cat\n");
        yield return Csv("extra-column", Expect.Refuse, "path,label\na.png,cat,x\nb.png,dog\n");
        yield return Csv("missing-column", Expect.Refuse, "path,label\na.png\nb.png,dog\n");
        yield return Csv("unterminated-quote", Expect.Refuse, "path,label\n\"a.png,cat\nb.png,dog\n");
        yield return Csv("folder-as-image", Expect.Refuse, $"path,label\na.png,cat\n{dir},dog\n", "csv");
        yield return Csv("binary", Expect.Refuse, "\u0000\u0001\u0002PNG\u0000garbage\n");
    }

    private IEnumerable<CorpusCase> Idx()
    {
        var images = Enumerable.Range(0, 6).Select(i => Enumerable.Repeat((byte)(i * 40), 16).ToArray()).ToList();
        byte[] labels = { 0, 1, 0, 1, 0, 1 };
        CorpusCase Idx(
            string name,
            Expect expect,
            Func<byte[], byte[]>? images_ = null,
            Func<byte[], byte[]>? labels_ = null,
            bool gz = false,
            string? names = null
        )
        {
            string dir = Path.Combine(root, "idx", $"{next++:D3}-{name}");
            Directory.CreateDirectory(dir);
            string ext = gz ? ".gz" : "";
            string imagesPath = Path.Combine(dir, "train-images-idx3-ubyte" + ext);
            string labelsPath = Path.Combine(dir, "train-labels-idx1-ubyte" + ext);
            IdxFormat.WriteImages(imagesPath, images, 4, 4);
            IdxFormat.WriteLabels(labelsPath, labels);
            if (images_ is not null)
                File.WriteAllBytes(imagesPath, images_(File.ReadAllBytes(imagesPath)));
            if (labels_ is not null)
                File.WriteAllBytes(labelsPath, labels_(File.ReadAllBytes(labelsPath)));
            return Dataset("idx", name, expect, imagesPath, names ?? "images-idx3");
        }
        byte[] Set(byte[] b, int offset, params byte[] values)
        {
            byte[] copy = b.ToArray();
            values.CopyTo(copy, offset);
            return copy;
        }
        yield return Idx("valid", Expect.Accept);
        yield return Idx("valid-gz", Expect.Accept, gz: true);
        yield return Idx("bad-magic", Expect.Refuse, b => Set(b, 2, 0x09));
        yield return Idx("bad-label-magic", Expect.Refuse, labels_: b => Set(b, 3, 0x03), names: "labels-idx1");
        yield return Idx("more-labels", Expect.Refuse, labels_: b => Set(b, 4, 0, 0, 0, 5), names: "labels-idx1");
        yield return Idx("count-too-high", Expect.Refuse, b => Set(b, 4, 0, 0, 1, 0));
        yield return Idx("negative-count", Expect.Refuse, b => Set(b, 4, 0xff, 0xff, 0xff, 0xff));
        yield return Idx("zero-rows", Expect.Refuse, b => Set(b, 8, 0, 0, 0, 0));
        yield return Idx(
            "overflowing-dims",
            Expect.Refuse,
            b => Set(b, 4, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff)
        );
        yield return Idx("huge-plane", Expect.Refuse, b => Set(b, 8, 0, 1, 0, 0, 0, 1, 0, 0));
        foreach (int keep in new[] { 3, 10, 15, 20, 60, 100 })
            yield return Idx($"truncated-{keep}", Expect.Refuse, b => b[..keep]);
        yield return Idx("labels-truncated", Expect.Refuse, labels_: b => b[..10], names: "labels-idx1");
        yield return Idx("labels-missing", Expect.Refuse, labels_: _ => Array.Empty<byte>(), names: "labels-idx1");
        yield return Idx("gz-corrupt", Expect.Refuse, b => Set(b, 20, 0xde, 0xad, 0xbe, 0xef), gz: true);
        yield return Idx("gz-truncated", Expect.Refuse, b => b[..(b.Length / 2)], gz: true);
        yield return Idx("one-class", Expect.Refuse, labels_: b => b.Select((v, i) => i < 8 ? v : (byte)0).ToArray());
    }

    private static byte[] NpyBytes(string header, byte[] data)
    {
        int length = 10 + header.Length + 1;
        string padded = header + new string(' ', (64 - length % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 };
        bytes.AddRange(BitConverter.GetBytes((ushort)padded.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(padded));
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    private IEnumerable<CorpusCase> Npy()
    {
        CorpusCase Npy(string name, Expect expect, byte[] bytes)
        {
            string path = NewFile("npy", name + ".npy", bytes);
            return new CorpusCase("npy", name, expect, Path.GetFileName(path), () => TransferSharp.Data.Npy.Read(path));
        }
        string H(string dtype, string shape, bool fortran = false) =>
            $"{{'descr': '{dtype}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        byte[] floats = new byte[3 * 8 * 8 * 4];
        for (int i = 0; i < floats.Length / 4; i++)
            BitConverter.GetBytes(i * 0.5f).CopyTo(floats, i * 4);
        byte[] valid = NpyBytes(H("<f4", "(3, 8, 8)"), floats);
        yield return Npy("valid-f4", Expect.Accept, valid);
        yield return Npy("valid-u1", Expect.Accept, NpyBytes(H("|u1", "(3, 8, 8)"), new byte[192]));
        yield return Npy("valid-u2", Expect.Accept, NpyBytes(H("<u2", "(2, 8, 8)"), new byte[256]));
        yield return Npy("valid-2d", Expect.Accept, NpyBytes(H("<f4", "(8, 8)"), floats[..256]));
        yield return Npy("object", Expect.Refuse, NpyBytes(H("|O", "(3, 8, 8)"), new byte[192 * 8]));
        yield return Npy("complex", Expect.Refuse, NpyBytes(H("<c8", "(3, 8, 8)"), new byte[192 * 8]));
        yield return Npy("fortran", Expect.Either, NpyBytes(H("<f4", "(3, 8, 8)", fortran: true), floats));
        yield return Npy("string", Expect.Refuse, NpyBytes(H("<U4", "(3, 8, 8)"), new byte[192 * 16]));
        yield return Npy("negative-shape", Expect.Refuse, NpyBytes(H("<f4", "(3, -8, 8)"), floats));
        yield return Npy("zero-size", Expect.Refuse, NpyBytes(H("<f4", "(0, 8, 8)"), Array.Empty<byte>()));
        yield return Npy("5-d", Expect.Refuse, NpyBytes(H("<f4", "(1, 1, 3, 8, 8)"), floats));
        yield return Npy("1-d", Expect.Refuse, NpyBytes(H("<f4", "(192,)"), floats));
        yield return Npy("huge-shape", Expect.Refuse, NpyBytes(H("<f4", "(3, 100000, 100000)"), floats));
        yield return Npy("short-data", Expect.Refuse, NpyBytes(H("<f4", "(3, 8, 8)"), floats[..100]));
        yield return Npy("no-shape", Expect.Refuse, NpyBytes("{'descr': '<f4', 'fortran_order': False, }", floats));
        yield return Npy("not-a-dict", Expect.Refuse, NpyBytes("[1, 2, 3]", floats));
        yield return Npy("garbage-header", Expect.Refuse, NpyBytes("\u0001\u0002\u0003 nonsense", floats));
        yield return Npy("bad-magic", Expect.Refuse, valid.Select((b, i) => i == 1 ? (byte)'X' : b).ToArray());
        yield return Npy("version-9", Expect.Refuse, valid.Select((b, i) => i == 6 ? (byte)9 : b).ToArray());
        byte[] nan = floats.ToArray();
        BitConverter.GetBytes(float.NaN).CopyTo(nan, 40);
        yield return Npy("nan", Expect.Refuse, NpyBytes(H("<f4", "(3, 8, 8)"), nan));
        byte[] inf = floats.ToArray();
        BitConverter.GetBytes(float.PositiveInfinity).CopyTo(inf, 80);
        yield return Npy("inf", Expect.Refuse, NpyBytes(H("<f4", "(3, 8, 8)"), inf));
        foreach (int keep in new[] { 4, 9, 20, 60, 100, 500 })
            yield return Npy($"truncated-{keep}", Expect.Refuse, valid[..keep]);
    }

    private IEnumerable<CorpusCase> Tiff()
    {
        CorpusCase Tif(string name, Expect expect, byte[] bytes)
        {
            string path = NewFile("tiff", name + ".tif", bytes);
            return new CorpusCase("tiff", name, expect, Path.GetFileName(path), () => TiffArrays.Read(path));
        }
        byte[] valid = Convert.FromBase64String(CorpusFixtures.Uint16Tiff);
        yield return Tif("valid-u16", Expect.Accept, valid);
        foreach (double cut in cuts)
            yield return Tif($"truncated-{cut:F2}", Expect.Refuse, valid[..(int)(valid.Length * cut)]);
        yield return Tif("text", Expect.Refuse, Encoding.UTF8.GetBytes("this is not a TIFF file\n"));
        yield return Tif("bad-magic", Expect.Refuse, valid.Select((b, i) => i == 2 ? (byte)0x2b : b).ToArray());
        yield return Tif("png-named-tif", Expect.Refuse, Valid(".png"));
        byte[] noise = new byte[400];
        new Random(5).NextBytes(noise);
        yield return Tif("noise", Expect.Refuse, noise);
    }

    private IEnumerable<CorpusCase> Onnx()
    {
        CorpusCase Model(string name, byte[] bytes)
        {
            string path = NewFile("onnx", name + ".onnx", bytes);
            return new CorpusCase(
                "onnx",
                name,
                Expect.Refuse,
                Path.GetFileName(path),
                () => OnnxImporter.Import(path).Dispose()
            );
        }
        byte[] head = new byte[200_000];
        using (var stream = File.OpenRead(TestPaths.ResNet18Onnx))
            stream.ReadExactly(head);
        yield return Model("empty", Array.Empty<byte>());
        yield return Model("text", Encoding.UTF8.GetBytes("not a model\n"));
        yield return Model("truncated-1k", head[..1000]);
        yield return Model("truncated-200k", head);
        byte[] noise = new byte[5000];
        new Random(7).NextBytes(noise);
        yield return Model("noise", noise);
        var noGraph = new Onnx.ModelProto { IrVersion = 8 };
        yield return Model("no-graph", Google.Protobuf.MessageExtensions.ToByteArray(noGraph));
        yield return Model("unknown-op", TinyOnnx.Bytes("NoSuchOp"));
    }

    private IEnumerable<CorpusCase> Runs()
    {
        string data = TestImages.WriteFolder(Path.Combine(root, "run-data"), classes: 2, perClass: 6, size: 16);
        var options = new LearnerOptions
        {
            Data = new DataOptions
            {
                Train = data,
                UseCache = false,
                ValidationFraction = 0.3,
            },
            Model = new ModelOptions { Size = 32 },
            Strategy = new FeatureExtractionOptions { HeadSteps = 5 },
            Analyses = new AnalysisOptions { DomainDistance = false, Filters = false },
        };
        string good = Path.Combine(root, "run-good");
        string other = Path.Combine(root, "run-other");
        using (FitResult result = new TransferLearner(options).Fit())
            result.Save(good);
        using (FitResult result = new TransferLearner(options with { Seed = 1 }).Fit())
            result.Save(other);
        CorpusCase Run(string name, Expect expect, string file, Action<string> tamper)
        {
            string copy = Path.Combine(root, "runs", $"{next++:D3}-{name}");
            Directory.CreateDirectory(copy);
            foreach (string f in Directory.GetFiles(good))
                File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
            tamper(copy);
            return new CorpusCase("run folder", name, expect, file, () => SavedModel.Load(copy).Dispose());
        }
        void Edit(string path, Func<byte[], byte[]> change) =>
            File.WriteAllBytes(path, change(File.ReadAllBytes(path)));
        void Unchecked(string dir) => File.Delete(Path.Combine(dir, RunFolder.ChecksumFile));
        yield return Run("intact", Expect.Accept, "model.json", _ => { });
        yield return Run(
            "model.json-edited",
            Expect.Refuse,
            "model.json",
            d =>
                File.WriteAllText(
                    Path.Combine(d, "model.json"),
                    File.ReadAllText(Path.Combine(d, "model.json")).Replace("32", "64")
                )
        );
        yield return Run(
            "head.bin-bit-flip",
            Expect.Refuse,
            "head.bin",
            d =>
                Edit(
                    Path.Combine(d, "head.bin"),
                    b =>
                    {
                        b[b.Length / 2] ^= 1;
                        return b;
                    }
                )
        );
        yield return Run(
            "head.bin-truncated",
            Expect.Refuse,
            "head.bin",
            d => Edit(Path.Combine(d, "head.bin"), b => b[..(b.Length / 2)])
        );
        yield return Run(
            "head.bin-empty",
            Expect.Refuse,
            "head.bin",
            d => Edit(Path.Combine(d, "head.bin"), _ => Array.Empty<byte>())
        );
        yield return Run(
            "head.bin-swapped",
            Expect.Refuse,
            "head.bin",
            d => File.Copy(Path.Combine(other, "head.bin"), Path.Combine(d, "head.bin"), overwrite: true)
        );
        yield return Run("head.bin-missing", Expect.Refuse, "head.bin", d => File.Delete(Path.Combine(d, "head.bin")));
        yield return Run(
            "model.json-missing",
            Expect.Refuse,
            "model.json",
            d => File.Delete(Path.Combine(d, "model.json"))
        );
        yield return Run(
            "unchecked-head-truncated",
            Expect.Refuse,
            "head.bin",
            d =>
            {
                Unchecked(d);
                Edit(Path.Combine(d, "head.bin"), b => b[..(b.Length / 2)]);
            }
        );
        yield return Run(
            "unchecked-head-empty",
            Expect.Refuse,
            "head.bin",
            d =>
            {
                Unchecked(d);
                Edit(Path.Combine(d, "head.bin"), _ => Array.Empty<byte>());
            }
        );
        yield return Run(
            "unchecked-model-not-json",
            Expect.Refuse,
            "model.json",
            d =>
            {
                Unchecked(d);
                File.WriteAllText(Path.Combine(d, "model.json"), "{ not json");
            }
        );
        yield return Run(
            "unchecked-model-empty",
            Expect.Refuse,
            "model.json",
            d =>
            {
                Unchecked(d);
                File.WriteAllText(Path.Combine(d, "model.json"), "");
            }
        );
        yield return Run(
            "checksums-garbage",
            Expect.Refuse,
            "model.json",
            d => File.WriteAllText(Path.Combine(d, RunFolder.ChecksumFile), "garbage\n")
        );
    }

    private static IEnumerable<CorpusCase> Options()
    {
        var valid = new LearnerOptions { Data = new DataOptions { Train = "unused" } };
        CorpusCase Option(string name, string names, LearnerOptions options) =>
            new("options", name, Expect.Refuse, names, () => _ = new TransferLearner(options));
        yield return Option("size 0", "Size", valid with { Model = new ModelOptions { Size = 0 } });
        yield return Option("size -5", "Size", valid with { Model = new ModelOptions { Size = -5 } });
        yield return Option("size 100000", "Size", valid with { Model = new ModelOptions { Size = 100000 } });
        yield return Option(
            "lr NaN",
            "LearningRate",
            valid with
            {
                Training = new TrainingOptions { LearningRate = double.NaN },
            }
        );
        yield return Option(
            "lr -1",
            "LearningRate",
            valid with
            {
                Training = new TrainingOptions { LearningRate = -1 },
            }
        );
        yield return Option(
            "lr inf",
            "LearningRate",
            valid with
            {
                Training = new TrainingOptions { LearningRate = double.PositiveInfinity },
            }
        );
        yield return Option(
            "val fraction 1.5",
            "ValidationFraction",
            valid with
            {
                Data = valid.Data with { ValidationFraction = 1.5 },
            }
        );
        yield return Option(
            "val fraction NaN",
            "ValidationFraction",
            valid with
            {
                Data = valid.Data with { ValidationFraction = double.NaN },
            }
        );
        yield return Option(
            "val fraction -0.1",
            "ValidationFraction",
            valid with
            {
                Data = valid.Data with { ValidationFraction = -0.1 },
            }
        );
        yield return Option(
            "cache limit 0",
            "CacheLimitBytes",
            valid with
            {
                Data = valid.Data with { CacheLimitBytes = 0 },
            }
        );
        yield return Option("epochs -1", "Epochs", valid with { Training = new TrainingOptions { Epochs = -1 } });
        yield return Option("batch 0", "BatchSize", valid with { Training = new TrainingOptions { BatchSize = 0 } });
        yield return Option("patience 0", "Patience", valid with { Training = new TrainingOptions { Patience = 0 } });
        yield return Option(
            "head steps 0",
            "HeadSteps",
            valid with
            {
                Strategy = new FeatureExtractionOptions { HeadSteps = 0 },
            }
        );
    }
}
