// Performance benchmark (issue 7). One mode per process, so that each figure comes with its own peak RSS.
// Usage: dotnet bench/Perf/bin/Release/net10.0/PerfBench.dll MODE SIZE [options]
//   pngs   SIZE OUTDIR N          write N Fashion-MNIST test images as PNG files (the encoded input of
// 'extract'/'decode')
//   ort    SIZE                   (a) a raw ONNX Runtime session on the backbone's ONNX file, default options, random
// input
//   extract SIZE DIR [torch|onnxruntime|int8|auto]   (b) our feature-extraction pass, end to end from the encoded
// files (int8: calibrated on the first 128 images first, timed apart)
//   quant  SIZE DIR               the int8 frozen pass against fp32 on the same decoded batches: speed, agreement
//   decode SIZE DIR               the data pipeline alone: decode + resize, parallel
//   train  SIZE                   (c) our fine-tuning training step, every group trainable, AdamW (as Trainer runs it)
//   load   SIZE                   resident memory after each stage of loading the backbone
// Env TRANSFERSHARP_ALLOCATOR (auto: tcmalloc when installed; glibc), BATCH (32), STEPS (timed batches), WARMUP
// (untimed batches), BACKBONE (resnet18-imagenet, or an ONNX file: 'ort' then runs the file as it is). Prints one
// JSON line.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Training;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// As the CLI runs: tcmalloc under libtorch when installed (TRANSFERSHARP_ALLOCATOR=glibc measures glibc's malloc).
TransferSharp.Engine.NativeAllocator.RelaunchWithPreferredAllocator();
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: PerfBench MODE SIZE [...]");
    return 2;
}
string mode = args[0];
int size = int.Parse(args[1]);
int batch = Env("BATCH", 32),
    steps = Env("STEPS", size >= 224 ? 12 : 30),
    warmup = Env("WARMUP", 3);
var result = new Dictionary<string, object?>
{
    ["mode"] = mode,
    ["size"] = size,
    ["batch"] = batch,
    ["cores"] = Environment.ProcessorCount,
};
string backboneName = Environment.GetEnvironmentVariable("BACKBONE") ?? "resnet18-imagenet";
result["backbone"] = backboneName;

switch (mode)
{
    case "pngs":
    {
        string outDir = args[2];
        int n = int.Parse(args[3]);
        string idx = args.Length > 4 ? args[4] : "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
        var (images, rows, cols) = IdxFormat.ReadImages(idx);
        Directory.CreateDirectory(Path.Combine(outDir, "all"));
        for (int i = 0; i < n; i++)
        {
            using var bitmap = new RawImage(cols, rows, 1, images[i]).ToBitmapForBench();
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(outDir, "all", $"{i:D5}.png"), data.ToArray());
        }
        result["images"] = n;
        break;
    }
    case "ort":
    {
        using Backbone backbone = Backbone.Load(backboneName, size);
        // The file as shipped has a fixed input of one 224x224 image and pads computed for 224: its size-agnostic
        // rewrite (symbolic batch and size, symmetric pads, global pool; at 224 bit-identical outputs) is the raw
        // model.
        string model = Path.Combine(Path.GetTempPath(), $"perf-resnet18-any.onnx");
        // ORT_MODEL=cut: the graph our frozen pass runs (the rewrite, classifier cut) instead of the file as it is.
        if (ExternalBackbones.IsFile(backboneName) && Environment.GetEnvironmentVariable("ORT_MODEL") != "cut")
            model = backboneName; // a user's export: the file as it is, classifier included
        else
            OnnxSizeAgnostic.Write(backbone.WeightsPath, backbone.Network, model);
        // Default options unless ORT_THREADS is set (then: that many intra-op threads, the rest default).
        using var sessionOptions = new SessionOptions();
        int ortThreads = Env("ORT_THREADS", 0);
        if (ortThreads > 0)
            sessionOptions.IntraOpNumThreads = ortThreads;
        result["ort_threads"] = ortThreads > 0 ? ortThreads : "default";
        if (Environment.GetEnvironmentVariable("ORT_SPIN") is { } spin)
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", spin);
        using var session = new InferenceSession(model, sessionOptions);
        string input = session.InputMetadata.Keys.First();
        var random = new Random(0);
        var values = new float[batch * 3 * size * size];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(random.NextDouble() * 2 - 1);
        var tensorIn = new DenseTensor<float>(values, new[] { batch, 3, size, size });
        var times = Time(
            () =>
            {
                using var r = session.Run(new[] { NamedOnnxValue.CreateFromTensor(input, tensorIn) });
            },
            warmup,
            steps
        );
        Report(times, batch);
        result["model"] = Path.GetFileName(model);
        break;
    }
    case "extract":
    {
        string dir = args[2];
        string engine = args.Length > 3 ? args[3] : "auto";
        using Backbone backbone = Backbone.Load(backboneName, size);
        var sources = Sources(dir);
        var options = new ExtractionOptions { BatchSize = batch, Engine = ParseEngine(engine) };
        string key = backbone.FeatureKey;
        if (engine == "int8")
        {
            // int8: ranges from the first 128 images (timed apart: a run calibrates once), then the timed pass.
            var calibrationWatch = Stopwatch.StartNew();
            var calibration = new List<Tensor>();
            foreach (
                PixelBatch b in ImageBatcher.Batches(sources, Enumerable.Range(0, 128).ToList(), size, batch, false, [])
            )
            {
                using Tensor pixels = b.ToTensor();
                calibration.Add(backbone.Normalize(pixels, CPU, false).DetachFromDisposeScope());
            }
            var quantization = new FrozenQuantization
            {
                Ranges = OnnxRuntimePass.Calibrate(backbone, calibration),
                CalibrationImages = 128,
                WeightLevels = FrozenQuantization.MachineWeightLevels,
            };
            result["calibration_seconds"] = calibrationWatch.Elapsed.TotalSeconds;
            options = options with { Engine = ExtractionEngine.OnnxRuntime, Quantization = quantization };
            key = backbone.QuantizedFeatureKey(quantization);
        }
        // Warm-up on a few images (session creation, first-run allocations), then the timed pass over all, cache empty.
        FeatureExtractor.Extract(
            backbone,
            sources.Take(batch * warmup).ToList(),
            new FeatureCache(null, key, backbone.FeatureWidth),
            options,
            null,
            "warm-up"
        );
        var watch = Stopwatch.StartNew();
        FeatureSet set = FeatureExtractor.Extract(
            backbone,
            sources,
            new FeatureCache(null, key, backbone.FeatureWidth),
            options,
            null,
            "extract"
        );
        double seconds = watch.Elapsed.TotalSeconds;
        result["images"] = set.Computed;
        result["seconds"] = seconds;
        result["images_per_second"] = set.Computed / seconds;
        result["engine"] = set.Engine;
        break;
    }
    case "decode":
    {
        var sources = Sources(args[2]);
        var positions = Enumerable.Range(0, sources.Count).ToList();
        var bad = new List<BadImage>();
        var watch = Stopwatch.StartNew();
        int count = 0;
        foreach (PixelBatch b in ImageBatcher.Batches(sources, positions, size, batch, false, bad))
            count += b.Positions.Length;
        double seconds = watch.Elapsed.TotalSeconds;
        result["images"] = count;
        result["seconds"] = seconds;
        result["images_per_second"] = count / seconds;
        break;
    }
    case "quant":
    {
        // The int8 frozen pass against fp32 on the same decoded batches (decode excluded): speed and agreement.
        using Backbone backbone = Backbone.Load(backboneName, size);
        var sources = Sources(args[2]);
        var positions = Enumerable.Range(0, sources.Count).ToList();
        var batches = new List<Tensor>();
        foreach (PixelBatch b in ImageBatcher.Batches(sources, positions, size, batch, false, []))
        {
            using Tensor pixels = b.ToTensor();
            batches.Add(backbone.Normalize(pixels, CPU, false).DetachFromDisposeScope());
        }
        int calibration = Env("CALIBRATION_BATCHES", 4);
        var calibrate = Stopwatch.StartNew();
        var ranges = OnnxRuntimePass.Calibrate(backbone, batches.Take(calibration));
        result["calibration_seconds"] = calibrate.Elapsed.TotalSeconds;
        result["quantized_tensors"] = ranges.Count;
        using OnnxRuntimePass fp32 = OnnxRuntimePass.Create(backbone);
        using OnnxRuntimePass int8 = OnnxRuntimePass.CreateQuantized(backbone, ranges);
        float[][] Pass(OnnxRuntimePass pass) => batches.Select(pass.Features).ToArray();
        Pass(fp32);
        Pass(int8);
        var times = new Dictionary<string, List<double>> { ["fp32"] = [], ["int8"] = [] };
        float[][] a = [],
            q = [];
        for (int round = 0; round < Env("ROUNDS", 3); round++)
        {
            var w = Stopwatch.StartNew();
            a = Pass(fp32);
            times["fp32"].Add(w.Elapsed.TotalSeconds);
            w.Restart();
            q = Pass(int8);
            times["int8"].Add(w.Elapsed.TotalSeconds);
        }
        int images = batches.Sum(t => (int)t.shape[0]);
        foreach (var (name, list) in times)
            result[$"{name}_images_per_second"] = images / list.Order().ElementAt(list.Count / 2);
        // Agreement: cosine similarity of each image's features, and the relative error.
        double cosSum = 0,
            cosMin = 1,
            errSum = 0,
            normSum = 0;
        int width = backbone.FeatureWidth;
        for (int bi = 0; bi < a.Length; bi++)
        for (int k = 0; k < a[bi].Length / width; k++)
        {
            double dot = 0,
                na = 0,
                nq = 0,
                err = 0;
            for (int j = 0; j < width; j++)
            {
                double x = a[bi][k * width + j],
                    y = q[bi][k * width + j];
                dot += x * y;
                na += x * x;
                nq += y * y;
                err += (x - y) * (x - y);
            }
            double cos = dot / Math.Sqrt(na * nq + 1e-30);
            cosSum += cos;
            cosMin = Math.Min(cosMin, cos);
            errSum += err;
            normSum += na;
        }
        result["images"] = images;
        result["cosine_mean"] = cosSum / images;
        result["cosine_min"] = cosMin;
        result["relative_error"] = Math.Sqrt(errSum / normSum);
        break;
    }
    case "train":
    {
        using Backbone backbone = Backbone.Load(backboneName, size);
        using var model = new TransferModel(backbone, new ClassifierHead(backbone.FeatureWidth, 10));
        Freezer.Apply(model, model.Groups.Select(_ => GroupMode.Full).ToList());
        // PRECISION=bf16: the convolutions as `--precision bf16` trains them (fp32 master weights).
        string precision = Environment.GetEnvironmentVariable("PRECISION") ?? "fp32";
        if (precision == "bf16")
            backbone.Network.TrainingComputeType = ScalarType.BFloat16;
        result["precision"] = precision;
        // LAYOUT=nchw: fp32 convolutions in libtorch's default layout instead of fit's channels-last.
        backbone.Network.TrainingChannelsLast = Environment.GetEnvironmentVariable("LAYOUT") != "nchw";
        result["layout"] = backbone.Network.TrainingChannelsLast ? "channels-last" : "nchw";
        model.Train(true);
        using var optimizer = optim.AdamW(model.Groups.SelectMany(g => g.All), 1e-4);
        result["rss_after_load_mib"] = Rss("VmRSS:");
        if (Environment.GetEnvironmentVariable("DUMP_SMAPS") is { } dump)
            File.Copy("/proc/self/smaps", dump, true);
        manual_seed(0);
        using Tensor x0 = randn(batch, 3, size, size);
        using Tensor x = x0.alias();
        using Tensor y = randint(0, 10, new long[] { batch }, dtype: ScalarType.Int64);
        // Each phase timed apart too (forward with the loss, backward, the optimizer's step): medians in the record.
        var phases = new List<double>[] { [], [], [] };
        var phase = new Stopwatch();
        var times = Time(
            () =>
            {
                using var scope = NewDisposeScope();
                phase.Restart();
                Tensor loss = nn.functional.cross_entropy(model.Forward(x), y);
                phases[0].Add(phase.Elapsed.TotalSeconds);
                optimizer.zero_grad();
                phase.Restart();
                loss.backward();
                phases[1].Add(phase.Elapsed.TotalSeconds);
                phase.Restart();
                optimizer.step();
                phases[2].Add(phase.Elapsed.TotalSeconds);
            },
            warmup,
            steps
        );
        Report(times, batch);
        string[] names = ["forward", "backward", "optimizer"];
        for (int k = 0; k < 3; k++)
        {
            var timed = phases[k].Skip(warmup).Order().ToList();
            result[$"{names[k]}_median_seconds"] = timed[timed.Count / 2];
        }
        result["threads"] = get_num_threads();
        break;
    }
    case "load":
    {
        TransferSharp.Engine.TorchRuntime.EnsureLoaded();
        result["rss_engine_mib"] = Rss("VmRSS:");
        var config = Registry.Get("resnet18-imagenet");
        string weights = Registry.ResolveFile(config.Weights.RelativePath, config.Weights.PackageId);
        var proto = OnnxImporter.ReadModel(weights);
        result["rss_proto_mib"] = Rss("VmRSS:");
        using var module = OnnxImporter.Import(
            proto,
            weights,
            new OnnxImportOptions { GroupNames = config.LayerGroups }
        );
        result["rss_import_mib"] = Rss("VmRSS:");
        proto = null;
        GC.Collect(2, GCCollectionMode.Aggressive, true, true);
        result["rss_import_gc_mib"] = Rss("VmRSS:");
        using var backbone = Backbone.Load(backboneName, size);
        result["rss_backbone_mib"] = Rss("VmRSS:");
        GC.Collect(2, GCCollectionMode.Aggressive, true, true);
        result["rss_backbone_gc_mib"] = Rss("VmRSS:");
        // A load's wall time, as each candidate of a preset pays it (the first above warmed the file cache).
        var loads = Time(() => Backbone.Load(backboneName, size).Dispose(), 0, 3);
        result["seconds_backbone_load"] = loads;
        result["seconds_read_model"] = Time(() => OnnxImporter.ReadModel(weights), 0, 3);
        var parsed = OnnxImporter.ReadModel(weights);
        var groups = new OnnxImportOptions { GroupNames = config.LayerGroups };
        result["seconds_import_parsed"] = Time(() => OnnxImporter.Import(parsed, weights, groups).Dispose(), 0, 3);
        result["seconds_gc"] = Time(() => GC.Collect(2, GCCollectionMode.Aggressive, true, true), 0, 3);
        break;
    }
    default:
        Console.Error.WriteLine($"unknown mode {mode}");
        return 2;
}
result["allocator"] = TransferSharp.Engine.NativeAllocator.Describe();
result["peak_rss_mib"] = PeakRssMiB();
Console.WriteLine(JsonSerializer.Serialize(result));
return 0;

void Report(List<double> times, int images)
{
    times.Sort();
    double median = times[times.Count / 2];
    result["steps"] = times.Count;
    result["median_seconds"] = median;
    result["images_per_second"] = images / median;
}

static List<double> Time(Action step, int warmup, int steps)
{
    for (int i = 0; i < warmup; i++)
        step();
    var times = new List<double>();
    for (int i = 0; i < steps; i++)
    {
        var watch = Stopwatch.StartNew();
        step();
        times.Add(watch.Elapsed.TotalSeconds);
    }
    return times;
}

static List<IImageSource> Sources(string dir)
{
    var files = Directory
        .EnumerateFiles(dir, "*", SearchOption.AllDirectories)
        .Where(f => DatasetLoader.ImageExtensions.Contains(Path.GetExtension(f)))
        .Order()
        .ToList();
    if (files.Count == 0)
        throw new DataException($"{dir}: no image files.", dir);
    return files.Select(f => (IImageSource)new FileImageSource(f)).ToList();
}

static int Env(string name, int fallback) =>
    int.TryParse(Environment.GetEnvironmentVariable(name), out int v) ? v : fallback;

static ExtractionEngine ParseEngine(string name) =>
    name switch
    {
        "torch" => ExtractionEngine.Torch,
        "onnxruntime" => ExtractionEngine.OnnxRuntime,
        _ => ExtractionEngine.Auto,
    };

static double PeakRssMiB() => Rss("VmHWM:");

static double Rss(string field)
{
    foreach (string line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith(field, StringComparison.Ordinal))
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    return double.NaN;
}

static class BenchBitmaps
{
    public static SKBitmap ToBitmapForBench(this RawImage image)
    {
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Gray8, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(image.Pixels, 0, bitmap.GetPixels(), image.Pixels.Length);
        return bitmap;
    }
}
