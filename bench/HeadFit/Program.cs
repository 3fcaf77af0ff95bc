// The frozen-feature head against scikit-learn (issue 18): the same features, two solvers, one table.
// Usage: dotnet bench/HeadFit/bin/Release/net10.0/HeadFit.dll dump TRAIN TEST SIZE GROUPS GRID OUT
//          features of TRAIN (split 90/10 as `fit` splits it, seed 0) and TEST through GROUPS (e.g. stage2,stage3)
//          pooled over a GRID x GRID grid, written as OUT/{train,val,test}_{x,y}.npy
//        dotnet bench/HeadFit/bin/Release/net10.0/HeadFit.dll weights SIZE OUT
//          the backbone's weights, normalisation and a check batch for the PyTorch peer (bench/torch_lpft.py)
//        dotnet bench/HeadFit/bin/Release/net10.0/HeadFit.dll fit OUT lbfgs|adam
//          the head as `fit` fits it (penalty path on validation, refit on train + validation, 5-fold out-of-fold
//          predictions): seconds of each stage and test accuracy, one JSON line
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TransferSharp.Backbones;
using TransferSharp.Data;
using TransferSharp.Training;
using static TorchSharp.torch;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
TransferSharp.Engine.NativeAllocator.RelaunchWithPreferredAllocator();
if (args is ["dump", var train, var test, var sizeText, var groups, var gridText, var outDir])
{
    using Backbone backbone = Backbone.Load("resnet18-imagenet", int.Parse(sizeText));
    backbone.UseFeatureLayers(groups.Split(','), int.Parse(gridText));
    Directory.CreateDirectory(outDir);
    ImageDataset trainSet = DatasetLoader.Load(train),
        testSet = DatasetLoader.Load(test, DatasetRole.Test);
    int[] labels = trainSet.Items.Select(i => i.Label).ToArray();
    var (trainRows, valRows) = StratifiedSplit.Split(labels, trainSet.ClassNames, 0.1, 0);
    foreach (
        var (name, set, rows) in new[]
        {
            ("train", trainSet, trainRows),
            ("val", trainSet, valRows),
            ("test", testSet, Enumerable.Range(0, testSet.Items.Count).ToArray()),
        }
    )
    {
        var sources = rows.Select(r => set.Items[r].Source).ToList();
        var cache = new FeatureCache(null, backbone.FeatureKey, backbone.FeatureWidth);
        FeatureSet features = FeatureExtractor.Extract(backbone, sources, cache, new ExtractionOptions(), null, name);
        WriteNpy(Path.Combine(outDir, $"{name}_x.npy"), features.Rows);
        WriteNpy(Path.Combine(outDir, $"{name}_y.npy"), rows.Select(r => new float[] { set.Items[r].Label }).ToArray());
    }
    return 0;
}
if (args is ["weights", var sizeText2, var weightsDir])
{
    // The backbone for a PyTorch peer (bench/torch_lpft.py): every parameter and buffer in module order, the
    // normalisation as the normalised values of an all-0 and an all-255 image, and a check batch (resized pixels and
    // our features) that the peer's copy must reproduce.
    int side = int.Parse(sizeText2);
    using Backbone backbone = Backbone.Load("resnet18-imagenet", side);
    backbone.Network.eval();
    Directory.CreateDirectory(weightsDir);
    var index = new List<object>();
    var tensors = backbone
        .Network.named_parameters()
        .Select(p => (p.name, (Tensor)p.parameter, "parameter"))
        .Concat(backbone.Network.named_buffers().Select(b => (b.name, b.buffer, "buffer")));
    int i = 0;
    foreach (var (name, tensor, kind) in tensors)
    {
        using Tensor values = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous();
        string file = $"{i++:D3}.npy";
        WriteArray(Path.Combine(weightsDir, file), values.data<float>().ToArray(), values.shape);
        index.Add(
            new
            {
                name,
                kind,
                file,
                shape = values.shape,
            }
        );
    }
    File.WriteAllText(Path.Combine(weightsDir, "index.json"), JsonSerializer.Serialize(index));
    using (var noGrad = no_grad())
    {
        foreach (var (label, value) in new[] { ("norm0", (byte)0), ("norm255", (byte)255) })
        {
            using Tensor pixels = full(new long[] { 1, side, side, 1 }, value, ScalarType.Byte);
            using Tensor normalized = backbone.Normalize(pixels);
            WriteArray(Path.Combine(weightsDir, $"{label}.npy"), normalized.data<float>().ToArray(), normalized.shape);
        }
        var (images, rows, cols) = IdxFormat.ReadImages("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
        var resized = Enumerable
            .Range(0, 8)
            .Select(k => ImageBatcher.LoadResized(new IdxImageSource("t10k", k, images[k], rows, cols), side))
            .ToArray();
        byte[] batch = resized.SelectMany(r => r.Pixels).ToArray();
        using Tensor check = tensor(batch, new long[] { 8, side, side, 1 }, ScalarType.Byte);
        WriteArray(
            Path.Combine(weightsDir, "check_pixels.npy"),
            batch.Select(b => (float)b).ToArray(),
            [8, side, side]
        );
        using Tensor features = backbone.Features(backbone.Normalize(check));
        WriteArray(Path.Combine(weightsDir, "check_features.npy"), features.data<float>().ToArray(), features.shape);
    }
    return 0;
}
if (args is ["fit", var dir, var solverName])
{
    Tensor Load(string name) => from_array(ReadNpy(Path.Combine(dir, name)));
    Tensor trainX = Load("train_x.npy"),
        valX = Load("val_x.npy"),
        testX = Load("test_x.npy");
    Tensor trainY = Load("train_y.npy").flatten().to_type(ScalarType.Int64),
        valY = Load("val_y.npy").flatten().to_type(ScalarType.Int64),
        testY = Load("test_y.npy").flatten().to_type(ScalarType.Int64);
    int classes = (int)trainY.max().item<long>() + 1;
    var options = new LinearProbeOptions { Solver = Enum.Parse<HeadSolver>(solverName, true) };
    var watch = Stopwatch.StartNew();
    LinearProbeResult probe = LinearProbe.Fit(trainX, trainY, valX, valY, classes, options, null);
    double fitSeconds = watch.Elapsed.TotalSeconds;
    watch.Restart();
    Tensor allX = cat(new[] { trainX, valX }),
        allY = cat(new[] { trainY, valY });
    LinearProbe.OutOfFold(allX, allY, null, classes, probe.WeightDecay, options, null, warmStart: probe.Head);
    double foldSeconds = watch.Elapsed.TotalSeconds;
    var result = new Dictionary<string, object>
    {
        ["solver"] = solverName,
        ["train"] = trainX.shape[0],
        ["width"] = trainX.shape[1],
        ["weight_decay"] = probe.WeightDecay,
        ["val_accuracy"] = Math.Round(probe.ValidationAccuracy, 4),
        ["test_accuracy"] = Math.Round(LinearProbe.Score(probe.Head, testX, testY).accuracy, 4),
        ["seconds_path_and_refit"] = Math.Round(fitSeconds, 2),
        ["seconds_out_of_fold"] = Math.Round(foldSeconds, 2),
        ["seconds_head"] = Math.Round(fitSeconds + foldSeconds, 2),
        ["evaluations"] = probe.Trials.Select(t => t.Evaluations ?? 0).ToArray(),
    };
    Console.WriteLine(JsonSerializer.Serialize(result));
    return 0;
}
Console.Error.WriteLine("usage: HeadFit dump TRAIN TEST SIZE GROUPS GRID OUT | fit OUT lbfgs|adam");
return 2;

// A 2-D float32 .npy (rows of equal length), as numpy.load reads it.
static void WriteNpy(string path, float[][] rows)
{
    int width = rows.Length == 0 ? 0 : rows[0].Length;
    string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows.Length}, {width}), }}";

    while ((10 + header.Length) % 64 != 0)
        header = header.Insert(header.Length - 1, " ");
    using var stream = File.Create(path);
    stream.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
    stream.Write(BitConverter.GetBytes((ushort)header.Length));
    stream.Write(Encoding.ASCII.GetBytes(header));
    foreach (float[] row in rows)
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan()));
}

static void WriteArray(string path, float[] values, long[] shape)
{
    string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
    string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
    while ((10 + header.Length + 1) % 64 != 0)
        header += " ";
    header += "\n";
    using var stream = File.Create(path);
    stream.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
    stream.Write(BitConverter.GetBytes((ushort)header.Length));
    stream.Write(Encoding.ASCII.GetBytes(header));
    stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
}

static float[,] ReadNpy(string path)
{
    byte[] bytes = File.ReadAllBytes(path);
    int headerLength = BitConverter.ToUInt16(bytes, 8);
    string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
    string shape = header[(header.IndexOf("'shape': (") + 10)..];
    int[] dims = shape[..shape.IndexOf(')')]
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(int.Parse)
        .ToArray();
    var result = new float[dims[0], dims[1]];
    Buffer.BlockCopy(bytes, 10 + headerLength, result, 0, dims[0] * dims[1] * 4);
    return result;
}
