using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

// Issue 22's channels-last repro: one convolution and one BatchNorm, forward and backward, in libtorch's default
// (NCHW-contiguous) layout and in channels-last (NHWC strides, made as PyTorch's memory_format does: a permute to
// NHWC, contiguous, and back), on the same tensors. Inputs, weights and every result go to OUT as .npy for
// bench/ChannelsLast/torch_check.py, which runs the same ops in PyTorch on the same arrays.
// Usage: dotnet bench/ChannelsLast/bin/Release/net10.0/ChannelsLast.dll OUT
string output = args.Length > 0 ? args[0] : "bench/work/channels_last";
Directory.CreateDirectory(output);
var shapes = new (int cin, int cout, int kernel, int stride, int size)[]
{
    (64, 128, 1, 2, 8),
    (128, 256, 1, 2, 8),
    (256, 512, 1, 2, 4),
    (256, 512, 1, 2, 8),
    (256, 512, 3, 2, 4),
    (512, 512, 3, 1, 2),
    (64, 64, 3, 1, 14),
    (3, 64, 7, 2, 32),
};
Tensor ChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
Console.WriteLine("shape | layout | y | dx | dw | dgamma");
foreach (var (cin, cout, kernel, stride, size) in shapes)
{
    string name = $"c{cin}-{cout}-k{kernel}-s{stride}-x{size}";
    manual_seed(0);
    using var scope = NewDisposeScope();
    Tensor x = randn(4, cin, size, size);
    Tensor w = randn(cout, cin, kernel, kernel) * (1.0 / Math.Sqrt(cin * kernel * kernel));
    Tensor gamma = rand(cout) + 0.5;
    Tensor beta = randn(cout) * 0.1;
    Tensor g = randn(
        4,
        cout,
        (size + 2 * (kernel / 2) - kernel) / stride + 1,
        (size + 2 * (kernel / 2) - kernel) / stride + 1
    );
    var results = new Dictionary<string, Tensor[]>();
    foreach (bool last in new[] { false, true })
    {
        Tensor xi = (last ? ChannelsLast(x) : x.clone()).requires_grad_(true);
        Tensor wi = (last ? ChannelsLast(w) : w.clone()).requires_grad_(true);
        Tensor gi = gamma.clone().requires_grad_(true);
        Tensor bi = beta.clone().requires_grad_(true);
        Tensor conv = nn.functional.conv2d(
            xi,
            wi,
            null,
            new long[] { stride, stride },
            new long[] { kernel / 2, kernel / 2 }
        );
        Tensor y = nn.functional.batch_norm(conv, zeros(cout), ones(cout), gi, bi, training: true);
        (y * (last ? ChannelsLast(g) : g)).sum().backward();
        results[last ? "cl" : "nchw"] = new[]
        {
            y.detach().contiguous(),
            xi.grad!.contiguous(),
            wi.grad!.contiguous(),
            gi.grad!.contiguous(),
        };
    }
    string Diff(int k) =>
        (results["cl"][k] - results["nchw"][k]).abs().max().item<float>().ToString("G3", CultureInfo.InvariantCulture);
    Console.WriteLine($"{name} | channels-last vs NCHW | {Diff(0)} | {Diff(1)} | {Diff(2)} | {Diff(3)}");
    void Save(string what, Tensor t) => WriteNpy(Path.Combine(output, $"{name}.{what}.npy"), t);
    Save("x", x);
    Save("w", w);
    Save("gamma", gamma);
    Save("beta", beta);
    Save("g", g);
    foreach (var (layout, r) in results)
    {
        Save($"{layout}.y", r[0]);
        Save($"{layout}.dx", r[1]);
        Save($"{layout}.dw", r[2]);
        Save($"{layout}.dgamma", r[3]);
    }
}

// The imported ResNet18 (our importer's ops) on the same batch, a training step's forward (BatchNorm on batch
// statistics) and backward: NCHW against channels-last input and 4-d weights.
foreach (int size in new[] { 112, 224 })
{
    var outputs = new Dictionary<string, (Tensor y, Dictionary<string, Tensor> grads)>();
    foreach (string layout in new[] { "float64", "NCHW", "channels-last" })
    {
        bool last = layout == "channels-last";
        using var backbone = TransferSharp.Backbones.Backbone.Load(TransferSharp.Backbones.Registry.DefaultName, size);
        var network = backbone.Network;
        network.train();
        if (layout == "float64")
            network.to(ScalarType.Float64);
        if (last)
            using (no_grad())
                foreach (var p in network.parameters().Where(p => p.dim() == 4))
                    p.set_(ChannelsLast(p.detach().clone()));
        var strided = network.parameters().First(p => p.dim() == 4 && p.shape[2] == 1);
        manual_seed(1);
        Tensor x = randn(8, 3, size, size);
        if (layout == "float64")
            x = x.to(ScalarType.Float64);
        Tensor y = network.forward(last ? ChannelsLast(x) : x).flatten(1);
        manual_seed(2);
        (y * randn(y.shape).to(y.dtype)).sum().backward();
        outputs[layout] = (
            y.detach().to(ScalarType.Float64),
            network
                .named_parameters()
                .ToDictionary(p => p.name, p => p.parameter.grad!.contiguous().to(ScalarType.Float64))
        );
        Console.WriteLine($"  {layout} 1x1 weight strides: {string.Join(",", strided.stride())}");
    }
    var truth = outputs["float64"];
    foreach (string layout in new[] { "NCHW", "channels-last" })
    {
        var o = outputs[layout];
        var worst = truth
            .grads.Select(kv =>
                (
                    kv.Key,
                    diff: (kv.Value - o.grads[kv.Key]).abs().max().item<double>(),
                    scale: kv.Value.abs().max().item<double>()
                )
            )
            .OrderByDescending(t => t.diff / Math.Max(1e-9, t.scale))
            .First();
        Console.WriteLine(
            $"resnet18 training step at {size} | {layout} float32 vs float64 | output max abs diff "
                + $"{(truth.y - o.y).abs().max().item<double>():G3}; worst gradient {worst.Key}: {worst.diff:G3} "
                + $"(max {worst.scale:G3})"
        );
    }
}

// Speed of the training step (forward and backward, batch 32) in both layouts, when STEPS is set.
if (int.TryParse(Environment.GetEnvironmentVariable("STEPS"), out int steps))
    foreach (int size in new[] { 112, 224 })
    foreach (bool last in new[] { false, true, false, true })
    {
        using var backbone = TransferSharp.Backbones.Backbone.Load(TransferSharp.Backbones.Registry.DefaultName, size);
        var network = backbone.Network;
        network.train();
        manual_seed(1);
        Tensor x = randn(32, 3, size, size);
        if (last)
            x = ChannelsLast(x);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int step = -2; step < steps; step++)
        {
            if (step == 0)
                watch.Restart();
            using var scope = NewDisposeScope();
            network.zero_grad();
            network.forward(x).sum().backward();
        }
        Console.WriteLine(
            $"training step at {size}, {(last ? "channels-last input" : "NCHW")}: "
                + $"{32.0 * steps / watch.Elapsed.TotalSeconds:F1} images/s"
        );
    }

// A float32 .npy (format 1.0, C order): what numpy.load reads.
static void WriteNpy(string path, Tensor t)
{
    string shape = string.Join(", ", t.shape) + (t.shape.Length == 1 ? "," : "");
    string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({shape}), }}";
    header = header.PadRight((header.Length + 11) / 64 * 64 + 64 - 11) + "\n";
    using var stream = File.Create(path);
    stream.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
    stream.Write(BitConverter.GetBytes((ushort)header.Length));
    stream.Write(System.Text.Encoding.ASCII.GetBytes(header));
    foreach (float v in t.contiguous().data<float>())
        stream.Write(BitConverter.GetBytes(v));
}
