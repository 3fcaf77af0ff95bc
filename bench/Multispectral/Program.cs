// Writes the multispectral benchmark task (issue 4): uint16 .npy images [C, H, W] with C bands, one class folder per
// class.
// Every image shows one object (a blob at a random place) on a textured background. In the first three bands the object
// looks the same for every class; the class is only in the object's signature in the bands beyond the third (class k
// brightens band 3 + k). Keeping the first three bands can only guess.
// Usage: dotnet run --project bench/Multispectral -- OUT [channels=8] [classes=5] [train-per-class=100]
// [test-per-class=200] [size=32] [seed=0]
using TransferSharp.Data;

string output = args.Length > 0 ? args[0] : "bench/work/multispectral";
int channels = Arg(1, 8),
    classes = Arg(2, 5),
    trainPerClass = Arg(3, 100),
    testPerClass = Arg(4, 200),
    size = Arg(5, 32),
    seed = Arg(6, 0);
if (classes > channels - 3)
{
    Console.Error.WriteLine($"{classes} classes need at least {classes + 3} bands");
    return 2;
}
foreach (var (split, perClass, splitSeed) in new[] { ("train", trainPerClass, seed), ("test", testPerClass, seed + 1) })
{
    var random = new Random(splitSeed);
    for (int k = 0; k < classes; k++)
    {
        string dir = Path.Combine(output, split, $"class{k}");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < perClass; i++)
            Npy.Write(Path.Combine(dir, $"{i:D4}.npy"), Image(k, random), "<u2");
    }
}
Console.WriteLine(
    $"{output}: {classes} classes, {channels} bands, {size}x{size}, {trainPerClass} train and {testPerClass} test "
        + $"images per class (uint16 .npy)"
);
return 0;

ChannelImage Image(int label, Random random)
{
    var data = new float[channels * size * size];
    double cx = size * (0.25 + 0.5 * random.NextDouble()),
        cy = size * (0.25 + 0.5 * random.NextDouble());
    double radius = size * (0.15 + 0.1 * random.NextDouble());
    for (int c = 0; c < channels; c++)
    {
        // Background: smooth random texture, the same statistics in every band.
        double fx = random.NextDouble() * 0.3,
            fy = random.NextDouble() * 0.3,
            phase = random.NextDouble() * 6.28;
        double signature = c < 3 ? 900 : (c == 3 + label ? 900 : 0);
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            double r2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (radius * radius);
            double blob = Math.Exp(-r2 * r2);
            double v =
                1500 + 300 * Math.Cos(fx * x + fy * y + phase) + 150 * (random.NextDouble() - 0.5) + signature * blob;
            data[(c * size + y) * size + x] = (float)Math.Clamp(v, 0, 4095);
        }
    }
    return new ChannelImage(data, channels, size, size);
}

int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i]) : fallback;
