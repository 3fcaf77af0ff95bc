// Scores images with a model exported by `transfersharp export RUN --out model.onnx`, in an ML.NET pipeline:
// LoadImages -> ResizeImages -> ExtractPixels (R, G, B planes, 0..255) -> ApplyOnnxModel. Writes
// path,label,probability.
// Usage: dotnet run --project samples/MlNetScoring -- model.onnx IMAGE_FOLDER [predictions.csv]
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms.Image;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: MlNetScoring model.onnx IMAGE_FOLDER [predictions.csv]");
    return 2;
}
string modelPath = args[0];
string[] images = Directory
    .EnumerateFiles(args[1], "*", SearchOption.AllDirectories)
    .Where(f => new[] { ".png", ".jpg", ".jpeg", ".bmp" }.Contains(Path.GetExtension(f).ToLowerInvariant()))
    .Order(StringComparer.Ordinal)
    .ToArray();

// The exported model says its input size and class names in its metadata.
string[] labels;
int size;
using (var session = new InferenceSession(modelPath))
{
    labels = JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["labels"])!;
    size = session.InputMetadata["image"].Dimensions[3];
}

var ml = new MLContext();
IDataView data = ml.Data.LoadFromEnumerable(images.Select(p => new ImageInput { ImagePath = p }));
var pipeline = ml
    .Transforms.LoadImages("picture", imageFolder: null, inputColumnName: nameof(ImageInput.ImagePath))
    .Append(ml.Transforms.ResizeImages("picture", size, size, resizing: ImageResizingEstimator.ResizingKind.Fill))
    .Append(
        ml.Transforms.ExtractPixels(
            "image",
            "picture",
            colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Rgb,
            orderOfExtraction: ImagePixelExtractingEstimator.ColorsOrder.ARGB,
            interleavePixelColors: false,
            outputAsFloatArray: true
        )
    )
    .Append(
        ml.Transforms.ApplyOnnxModel(
            new[] { "probabilities" },
            new[] { "image" },
            modelPath,
            new Dictionary<string, int[]> { ["image"] = new[] { 1, 3, size, size } },
            gpuDeviceId: null,
            fallbackToCpu: false,
            recursionLimit: 100
        )
    );
IDataView scored = pipeline.Fit(data).Transform(data);
using TextWriter output = args.Length > 2 ? new StreamWriter(args[2]) : Console.Out;
output.WriteLine("path,label,probability");
foreach (Scored row in ml.Data.CreateEnumerable<Scored>(scored, reuseRowObject: false))
{
    int best = Array.IndexOf(row.Probabilities, row.Probabilities.Max());
    output.WriteLine(
        $"{row.ImagePath},{labels[best]},{row.Probabilities[best].ToString("F6", CultureInfo.InvariantCulture)}"
    );
}
return 0;

/// <summary>One image to score.</summary>
public sealed class ImageInput
{
    /// <summary>The image file.</summary>
    public string ImagePath { get; set; } = "";
}

/// <summary>A scored image.</summary>
public sealed class Scored
{
    /// <summary>The image file.</summary>
    public string ImagePath { get; set; } = "";

    /// <summary>The model's class probabilities.</summary>
    [ColumnName("probabilities")]
    public float[] Probabilities { get; set; } = Array.Empty<float>();
}
