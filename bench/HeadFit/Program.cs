// The frozen-feature head against scikit-learn (issue 18): the same features, two solvers, one table.
// Usage: dotnet bench/HeadFit/bin/Release/net10.0/HeadFit.dll dump TRAIN TEST SIZE GROUPS GRID OUT
//          features of TRAIN (split 90/10 as `fit` splits it, seed 0) and TEST through GROUPS (e.g. stage2,stage3)
//          pooled over a GRID x GRID grid, written as OUT/{train,val,test}_{x,y}.npy
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
