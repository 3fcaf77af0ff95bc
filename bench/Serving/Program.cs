// Prediction API throughput (issue 17): images per second of ImageClassifier with 1, 8 and 32 concurrent callers,
// against Predictor.Predict (what `transfersharp predict` runs, without the process start) on the same image files.
// Usage: dotnet run -c Release --project bench/Serving -- RUN IDX_IMAGES [images=512] [rounds=3]
// Writes the images as PNG files first (the test images of an IDX file), then one JSON line per measurement.
//        ... -- parity RUN FILE_OR_FOLDER...: the exported model (ONNX Runtime, through ImageClassifier) against
//        Predictor.Predict on the same files (already at the input size): largest probability difference, label
// agreement.
//        ... -- pngs IDX_IMAGES COUNT SIZE FOLDER: writes the first COUNT images resized to SIZE as PNG files.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SkiaSharp;
using TransferSharp.Data;
using TransferSharp.Runs;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args[0] == "parity")
    return Parity(args[1], args.Skip(2).ToArray());
if (args[0] == "pngs")
{
    WritePngs(args[1], int.Parse(args[2]), args[4], int.Parse(args[3]));
    return 0;
}
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Serving RUN IDX_IMAGES [images=512] [rounds=3]");
    return 2;
}
string run = args[0];
int count = args.Length > 2 ? int.Parse(args[2]) : 512;
int rounds = args.Length > 3 ? int.Parse(args[3]) : 3;
string folder = Path.Combine(Path.GetTempPath(), $"transfersharp-serving-{count}");
string[] files = WritePngs(args[1], count, folder);
var sources = files.Select(f => (IImageSource)new FileImageSource(f)).ToList();

using (SavedModel model = SavedModel.Load(run))
    for (int r = 0; r < rounds; r++)
        Report("predict", 1, Time(() => Predictor.Predict(model, sources, null)));
using ImageClassifier classifier = ImageClassifier.Load(run);
classifier.Predict(files[0]); // warm-up
foreach (int callers in new[] { 1, 8, 32 })
    for (int r = 0; r < rounds; r++)
        Report(
            "classifier",
            callers,
            Time(() =>
                Parallel.For(
                    0,
                    files.Length,
                    new ParallelOptions { MaxDegreeOfParallelism = callers },
                    i => classifier.Predict(files[i])
                )
            )
        );
return 0;

double Time(Action work)
{
    var watch = Stopwatch.StartNew();
    work();
    return watch.Elapsed.TotalSeconds;
}

void Report(string path, int callers, double seconds) =>
    Console.WriteLine(
        JsonSerializer.Serialize(
            new
            {
                path,
                callers,
                images = files.Length,
                seconds = Math.Round(seconds, 3),
                images_per_second = Math.Round(files.Length / seconds, 1),
                cores = Environment.ProcessorCount,
            }
        )
    );

static int Parity(string run, string[] paths)
{
    var files = paths
        .SelectMany<string, string>(p =>
            Directory.Exists(p) ? Directory.GetFiles(p, "*", SearchOption.AllDirectories).Order() : new[] { p }
        )
        .ToList();
    var sources = files.Select(f => DatasetLoader.SourceFor(f)).ToList();
    using SavedModel model = SavedModel.Load(run);
    var (predictions, _, _) = Predictor.Predict(model, sources, null);
    using ImageClassifier classifier = ImageClassifier.Load(run);
    double worst = 0;
    int agree = 0;
    for (int i = 0; i < sources.Count; i++)
    {
        ClassPrediction exported = classifier.Predict(sources[i]);
        for (int c = 0; c < classifier.Labels.Count; c++)
            worst = Math.Max(
                worst,
                Math.Abs(predictions[i].Probabilities[c] - exported.Probabilities[classifier.Labels[c]])
            );
        agree += predictions[i].Label == exported.Label ? 1 : 0;
    }
    Console.WriteLine(
        JsonSerializer.Serialize(
            new
            {
                run,
                strategy = model.Manifest.Strategy,
                images = sources.Count,
                max_abs_probability_difference = worst,
                labels_agree = agree,
            }
        )
    );
    return worst <= 1e-4 && agree == sources.Count ? 0 : 1;
}

static string[] WritePngs(string idx, int count, string folder, int size = 0)
{
    Directory.CreateDirectory(folder);
    var (images, rows, cols) = IdxFormat.ReadImages(idx);
    var files = new List<string>();
    for (int i = 0; i < Math.Min(count, images.Length); i++)
    {
        string path = Path.Combine(folder, $"{i:D5}.png");
        if (!File.Exists(path))
        {
            // Resized as predict resizes (RawImage.Resize), so that the files are already at the input size.
            RawImage image = new RawImage(cols, rows, 1, images[i]);
            if (size > 0)
                image = image.Resize(size, size);
            using var bitmap = new SKBitmap(
                new SKImageInfo(image.Width, image.Height, SKColorType.Gray8, SKAlphaType.Opaque)
            );
            System.Runtime.InteropServices.Marshal.Copy(image.Pixels, 0, bitmap.GetPixels(), image.Pixels.Length);
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(path, data.ToArray());
        }
        files.Add(path);
    }
    return files.ToArray();
}
