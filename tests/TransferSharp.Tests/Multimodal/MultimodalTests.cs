using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;
using TransferSharp.Data;
using TransferSharp.IO;
using TransferSharp.Multimodal;

namespace TransferSharp.Tests.Multimodal;

/// <summary>Image + record runs: encoders, the fit, save/load and prediction with missing parts, bad input.</summary>
public class MultimodalTests
{
    private static readonly string[] brands = { "acme", "lux", "basic", "prime" };

    /// <summary>A CSV of pattern images (class = pattern, stripes or a square, x band) with a price that shows the
    /// band, a brand, a flag and a date; returns its path.</summary>
    internal static string WriteTask(string dir, string name, int perClass, int seed)
    {
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        var random = new Random(seed);
        var lines = new List<string> { "image,label,price,brand,sale,listed" };
        int k = 0;
        for (int pattern = 0; pattern < 2; pattern++)
        for (int band = 0; band < 2; band++)
        for (int i = 0; i < perClass; i++, k++)
        {
            string file = $"images/{name}-{k}.png";
            File.WriteAllBytes(
                Path.Combine(dir, file),
                TestImages.Encode(TestImages.Pattern(2 * pattern, 64, seed * 1000 + k, false), SKEncodedImageFormat.Png)
            );
            double price = band == 0 ? 10 + random.NextDouble() * 5 : 40 + random.NextDouble() * 5;
            lines.Add(
                $"{file},p{pattern}-b{band},{price:F2},{brands[random.Next(4)]},{(random.Next(2) == 0 ? "yes" : "no")},"
                    + $"2024-0{1 + random.Next(9)}-1{random.Next(10)}"
            );
        }
        string path = Path.Combine(dir, $"{name}.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    internal static MultimodalOptions Options(string train, string? test = null) =>
        new()
        {
            Data = train,
            Test = test,
            Size = 64,
            Epochs = 200,
            Patience = 200,
            LearningRate = 3e-3,
            ValidationFraction = 0.25,
            CacheDirectory = null,
        };

    [Fact]
    public void KindsAreInferredFromTheValues()
    {
        Assert.Equal(ColumnKind.Numeric, ColumnEncoder.Infer(new[] { "1.5", "", "-3e2", "NA" }));
        Assert.Equal(ColumnKind.Boolean, ColumnEncoder.Infer(new[] { "yes", "No", "" }));
        Assert.Equal(ColumnKind.Date, ColumnEncoder.Infer(new[] { "2024-05-31", "2023-01-02" }));
        Assert.Equal(ColumnKind.Categorical, ColumnEncoder.Infer(new[] { "red", "12", "blue" }));
    }

    [Fact]
    public void EncodersRoundTripThroughJsonAndEncodeTheSame()
    {
        string dir = TestPaths.NewTempDir("mm-encoders");
        string csv = Path.Combine(dir, "t.csv");
        File.WriteAllLines(
            csv,
            new[]
            {
                "image,label,price,brand,sale,listed",
                "a.png,x,10,acme,yes,2024-01-05",
                "b.png,y,20,lux,no,2024-06-30",
                "c.png,x,,acme,,2024-03-01",
                "d.png,y,40,zeta,yes,",
            }
        );
        RecordTable table = RecordTable.Load(csv);
        var columns = RecordEncoder.Select(table, null, "image", "label");
        Assert.Equal(new[] { "price", "brand", "sale", "listed" }, columns);
        var rows = new[] { 0, 1, 2, 3 };
        RecordEncoder encoder = RecordEncoder.Fit(table, columns, rows, new Dictionary<string, ColumnKind>(), 2);
        Assert.Equal(
            new[] { ColumnKind.Numeric, ColumnKind.Categorical, ColumnKind.Boolean, ColumnKind.Date },
            encoder.Columns.Select(c => c.Kind)
        );
        // Three brands above the limit of 2: an embedding, with a row for acme (seen twice) and lux and zeta (once
        // each) read as unknown; within the limit, one-hot slots for all three.
        ColumnEncoder brand = encoder.Columns[1];
        Assert.Equal(new[] { "acme" }, brand.Categories);
        Assert.Equal((3, 2), (brand.Embedding, brand.Width));
        Assert.Equal(new[] { new RecordEmbedding(2, 3, 3) }, encoder.Embeddings());
        ColumnEncoder oneHot = RecordEncoder.Fit(table, columns, rows, new Dictionary<string, ColumnKind>(), 3).Columns[
            1
        ];
        Assert.Equal(new[] { "acme", "lux", "zeta" }, oneHot.Categories);
        Assert.Equal((0, 5), (oneHot.Embedding, oneHot.Width));
        string path = Path.Combine(dir, "encoder.json");
        Json.Write(path, encoder);
        RecordEncoder loaded = Json.Read<RecordEncoder>(path);
        EncodedRecords before = encoder.Encode(table, rows),
            after = loaded.Encode(table, rows);
        for (int i = 0; i < rows.Length; i++)
            Assert.Equal(before.Values[i], after.Values[i]);
        Assert.Equal(new[] { 1, 0, 1, 1 }, after.Missing);
        Assert.Equal(new[] { 0, 2, 0, 0 }, after.Unknown);
        // The brand's slot holds its embedding row: acme 0, unknown 1 (missing would be 2).
        Assert.Equal(new float[] { 0, 1, 0, 1 }, before.Values.Select(v => v[2]));
        Assert.Equal(2, brand.Slot(""));
        // Price 10, 20, 40 standardised: mean 23.33; the missing one is 0 with its indicator set.
        Assert.Equal((10 - 70.0 / 3) / encoder.Columns[0].Scale, before.Values[0][0], 4);
        Assert.Equal(new float[] { 0, 1 }, before.Values[2][..2]);
    }

    [Fact]
    public void BadCellsAndColumnsAreErrorsNamingThem()
    {
        string dir = TestPaths.NewTempDir("mm-bad");
        string csv = Path.Combine(dir, "t.csv");
        File.WriteAllLines(csv, new[] { "image,label,price", "a.png,x,10", "b.png,y,20" });
        RecordTable table = RecordTable.Load(csv);
        var encoder = RecordEncoder.Fit(
            table,
            new[] { "price" },
            new[] { 0, 1 },
            new Dictionary<string, ColumnKind>(),
            8
        );

        string wrong = Path.Combine(dir, "wrong.csv");
        File.WriteAllLines(wrong, new[] { "image,label,price", "a.png,x,cheap" });
        var e = Assert.Throws<DataException>(() => encoder.Encode(RecordTable.Load(wrong), new[] { 0 }));
        Assert.Contains("row 2", e.Message);
        Assert.Contains("'price'", e.Message);
        Assert.Contains("'cheap'", e.Message);

        string lacking = Path.Combine(dir, "lacking.csv");
        File.WriteAllLines(lacking, new[] { "image,label,cost", "a.png,x,1" });
        e = Assert.Throws<DataException>(() => encoder.Encode(RecordTable.Load(lacking), new[] { 0 }));
        Assert.Contains("'price'", e.Message);

        string one = Path.Combine(dir, "one.csv");
        File.WriteAllLines(one, new[] { "image,label,price", "a.png,x,1", "b.png,x,2" });
        e = Assert.Throws<DataException>(() => MultimodalLearner.Fit(Options(one)));
        Assert.Contains("one class", e.Message.Replace("1 class", "one class"));

        string noImages = Path.Combine(dir, "noimages.csv");
        File.WriteAllLines(noImages, new[] { "image,label,price", "gone.png,x,1", ",y,2" });
        e = Assert.Throws<DataException>(() => MultimodalLearner.Fit(Options(noImages)));
        Assert.Contains("names an image file that exists", e.Message);
    }

    [Fact]
    public void FusionLearnsWhatNeitherModalityHasAloneAndPredictsRowsMissingParts()
    {
        string dir = TestPaths.NewTempDir("mm-fit");
        string train = WriteTask(dir, "train", 16, 1);
        string test = WriteTask(dir, "test", 8, 2);
        using MultimodalResult result = MultimodalLearner.Fit(
            Options(train, test) with
            {
                Candidates = new[] { FusionKind.ImageOnly, FusionKind.RecordBoosted, FusionKind.Late },
            }
        );
        var scores = result.Report.Candidates.ToDictionary(c => c.Model);
        // Four classes: the image shows the pattern, the price the band; only fusion sees both.
        Assert.True(scores[FusionKind.Late].TestAccuracy >= 0.85, string.Join("\n", scores.Values));
        Assert.True(scores[FusionKind.ImageOnly].TestAccuracy <= 0.7, $"image only {scores[FusionKind.ImageOnly]}");
        Assert.True(scores[FusionKind.RecordBoosted].TestAccuracy <= 0.7, $"{scores[FusionKind.RecordBoosted]}");
        Assert.Equal(FusionKind.Late, result.Report.Chosen);
        Assert.Equal("price", result.Report.Importance.First(i => i.Feature != "(image)").Feature);

        string run = Path.Combine(dir, "run");
        result.Save(run);
        using MultimodalModel model = MultimodalModel.Load(run);
        string rows = Path.Combine(dir, "new.csv");
        File.WriteAllLines(
            rows,
            new[]
            {
                "image,label,price,brand,sale,listed",
                "images/test-0.png,p0-b0,11,acme,yes,2024-02-10", // complete
                "images/test-1.png,p0-b0,12,unseen-brand,yes,2024-02-10", // a category never seen in training
                "images/test-2.png,p0-b0,,acme,yes,2024-02-10", // a missing value
                ",p0-b0,12,acme,no,2024-02-10", // no image
                "images/nowhere.png,p0-b0,12,acme,no,2024-02-10", // an image file that does not exist
                "images/test-3.png,p0-b0,,,,", // no record
            }
        );
        MultimodalPredictions predictions = model.Predict(RecordTable.Load(rows));
        Assert.Equal(6, predictions.Rows.Count);
        Assert.Equal(new[] { true, true, true, false, false, true }, predictions.Rows.Select(p => p.HasImage));
        Assert.Equal(new[] { true, true, true, true, true, false }, predictions.Rows.Select(p => p.HasRecord));
        Assert.Equal(2, predictions.WithoutImage);
        Assert.Equal(1, predictions.ImagesNotFound);
        var brand = predictions.Columns.Single(c => c.Column == "brand");
        Assert.Equal((1, 1), (brand.Unknown, brand.Missing));
        Assert.Equal(2, predictions.Columns.Single(c => c.Column == "price").Missing);
        // Complete rows with an unseen brand still predict right: the brand carries nothing here.
        Assert.Equal("p0-b0", predictions.Rows[0].Label);
        Assert.Equal("p0-b0", predictions.Rows[1].Label);
        Assert.All(predictions.Probabilities, p => Assert.Equal(1, p.Sum(), 3));
        Assert.Equal(
            result.Report.ClassNames,
            Json.Read<MultimodalManifest>(Path.Combine(run, "multimodal.json")).ClassNames
        );
        // Nothing a format-1 reader would miss (no tuned backbone, no embedding): written as format 1, which a
        // manifest without the key also reads as.
        Assert.Equal(MultimodalManifest.FirstFormat, result.Manifest.Format);
        string bare = Path.Combine(dir, "bare.json");
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(run, "multimodal.json")))!;
        node.AsObject().Remove("format");
        File.WriteAllText(bare, node.ToJsonString());
        Assert.Equal(MultimodalManifest.FirstFormat, Json.Read<MultimodalManifest>(bare).Format);
        AssertExportParity(model, RecordTable.Load(rows), predictions);
    }

    [Theory]
    [InlineData(FusionKind.Film)]
    [InlineData(FusionKind.ImageOnly)]
    [InlineData(FusionKind.RecordOnly)]
    [InlineData(FusionKind.RecordBoosted)]
    public void EveryKindExportsAsItPredicts(FusionKind kind)
    {
        string dir = TestPaths.NewTempDir("mm-kind");
        string train = WriteTask(dir, "train", 8, 1);
        using MultimodalResult result = MultimodalLearner.Fit(
            Options(train) with
            {
                Candidates = new[] { kind },
                Epochs = 20,
                // Four brands above a limit of 3: the brand goes through a learned embedding.
                CategoricalLimit = 3,
            }
        );
        string run = Path.Combine(dir, "run");
        result.Save(run);
        using MultimodalModel model = MultimodalModel.Load(run);
        Assert.Equal(kind, model.Manifest.Model);
        string rows = Path.Combine(dir, "rows.csv");
        File.WriteAllLines(
            rows,
            new[]
            {
                "image,label,price,brand,sale,listed",
                "images/train-0.png,p0-b0,11,acme,yes,2024-02-10",
                ",p0-b0,12,acme,no,2024-02-10",
                "images/train-20.png,p1-b1,,,,",
                "images/train-21.png,p1-b1,41,unseen-brand,no,",
            }
        );
        RecordTable table = RecordTable.Load(rows);
        if (model.Model is NetworkModel network)
            Assert.Equal(kind == FusionKind.ImageOnly ? 0 : 1, network.Network.Embeddings.Count);
        AssertExportParity(model, table, model.Predict(table));
    }

    /// <summary>The exported file, run by ONNX Runtime on pixels, encoded records and presence flags, against
    /// predict on the same rows (missing parts included): the same probabilities within 1e-4.</summary>
    internal static void AssertExportParity(MultimodalModel model, RecordTable table, MultimodalPredictions expected)
    {
        string file = Path.Combine(TestPaths.NewTempDir("mm-export"), "model.onnx");
        MultimodalExport.Write(model, file);
        int n = table.Rows.Count,
            size = model.Manifest.InputSize,
            width = model.Manifest.Record.Width;
        EncodedRecords records = model.Manifest.Record.Encode(table, Enumerable.Range(0, n).ToArray());
        var pixels = new float[n * 3 * size * size];
        var present = new float[n * 2];
        string folder = Path.GetDirectoryName(table.Path)!;
        for (int i = 0; i < n; i++)
        {
            string path = Path.Combine(folder, table.Rows[i][0]);
            if (table.Rows[i][0].Length > 0 && File.Exists(path))
            {
                RawImage image = DatasetLoader.SourceFor(path).Decode();
                Assert.Equal(size, image.Width);
                for (int c = 0; c < 3; c++)
                for (int p = 0; p < size * size; p++)
                    pixels[(i * 3 + c) * size * size + p] = image.Pixels[p * image.Channels + c % image.Channels];
                present[2 * i] = 1;
            }
            present[2 * i + 1] = records.Present[i] ? 1 : 0;
        }
        using var session = new InferenceSession(file);
        var inputs = new[]
        {
            NamedOnnxValue.CreateFromTensor(
                MultimodalExport.ImageInput,
                new DenseTensor<float>(pixels, new[] { n, 3, size, size })
            ),
            NamedOnnxValue.CreateFromTensor(
                MultimodalExport.RecordInput,
                new DenseTensor<float>(records.Values.SelectMany(v => v).ToArray(), new[] { n, width })
            ),
            NamedOnnxValue.CreateFromTensor(
                MultimodalExport.PresentInput,
                new DenseTensor<float>(present, new[] { n, 2 })
            ),
        };
        using var results = session.Run(inputs);
        float[] actual = results.First().AsTensor<float>().ToArray();
        int classes = model.Manifest.ClassNames.Count;
        for (int i = 0; i < n; i++)
        {
            double diff = expected.Probabilities[i].Select((p, k) => Math.Abs(p - actual[i * classes + k])).Max();
            Assert.True(diff <= 1e-4, $"row {i}: probabilities differ by {diff:G3}");
        }
    }
}

/// <summary>Synthetic packed rows for the candidate models.</summary>
internal static class SyntheticRows
{
    /// <summary>Rows of layout [image (width <paramref name="imageWidth"/>), has-image, record (2), has-record]; the
    /// class sits in the first image feature when the image has one, else in the first record value.</summary>
    public static (FusionRows rows, int[] labels) Make(int n, int imageWidth)
    {
        var random = new Random(3);
        var labels = new int[n];
        var packed = new float[n][];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 4;
            var row = new List<float>();
            for (int j = 0; j < imageWidth; j++)
                row.Add(j == 0 ? labels[i] + (float)(random.NextDouble() * 0.5) : (float)random.NextDouble());
            row.Add(imageWidth > 0 ? 1 : 0);
            row.Add(imageWidth > 0 ? 0.5f : labels[i] + (float)(random.NextDouble() * 0.5));
            row.Add((float)random.NextDouble());
            row.Add(1);
            packed[i] = row.ToArray();
        }
        return (new FusionRows(packed, labels, imageWidth, 2), labels);
    }
}

/// <summary>The LightGBM baseline on records alone.</summary>
public class BoostedModelTests
{
    [Fact]
    public void BoostedTreesLearnAClassCarriedByOneColumn()
    {
        var (rows, labels) = SyntheticRows.Make(400, 0);
        using BoostedModel model = BoostedModel.Train(rows, 4, 0);
        var (accuracy, _) = MultimodalLearner.Score(model.Probabilities(rows), labels);
        Assert.True(accuracy > 0.95, $"training accuracy {accuracy}");
    }
}

/// <summary>A record-only network reading a class from a high-cardinality column through its embedding.</summary>
public class EmbeddingTests
{
    [Fact]
    public void AnEmbeddedColumnCarriesItsClass()
    {
        string dir = TestPaths.NewTempDir("mm-embed");
        string csv = Path.Combine(dir, "t.csv");
        var random = new Random(5);
        var lines = new List<string> { "image,label,store,noise" };
        // Sixty stores, each seen five times; the class is the store's number mod 3: only the store tells it.
        for (int i = 0; i < 300; i++)
        {
            int store = i % 60;
            lines.Add($",c{store % 3},s{store},{random.NextDouble():F3}");
        }
        File.WriteAllLines(csv, lines);
        RecordTable table = RecordTable.Load(csv);
        var rows = Enumerable.Range(0, 300).ToArray();
        var encoder = RecordEncoder.Fit(
            table,
            new[] { "store", "noise" },
            rows,
            new Dictionary<string, ColumnKind>(),
            8
        );
        Assert.Equal(new[] { new RecordEmbedding(0, 62, ColumnEncoder.EmbeddingWidth(62)) }, encoder.Embeddings());
        int[] labels = rows.Select(r => int.Parse(table.Rows[r][1][1..])).ToArray();
        var packed = FusionRows.Pack(new float[]?[300], encoder.Encode(table, rows), labels, 0, [], []);
        Assert.Equal(2 + 2, packed.RecordWidth);
        var options = new MultimodalOptions
        {
            Data = csv,
            Epochs = 150,
            Patience = 150,
            LearningRate = 1e-2,
        };
        using NetworkModel model = NetworkModel.Train(FusionKind.RecordOnly, packed, packed, 3, options);
        var (accuracy, _) = MultimodalLearner.Score(model.Probabilities(packed), labels);
        Assert.True(accuracy > 0.95, $"training accuracy {accuracy}, best epoch {model.BestEpoch}");
    }
}

/// <summary>The fusion networks on image features alone.</summary>
public class NetworkModelTests
{
    [Theory]
    [InlineData(FusionKind.ImageOnly)]
    [InlineData(FusionKind.Late)]
    public void NetworksLearnAClassCarriedByTheImage(FusionKind kind)
    {
        var (rows, labels) = SyntheticRows.Make(48, 2);
        var options = new MultimodalOptions
        {
            Data = "x.csv",
            Epochs = 200,
            Patience = 200,
        };
        using NetworkModel model = NetworkModel.Train(kind, rows, rows, 4, options);
        var (accuracy, _) = MultimodalLearner.Score(model.Probabilities(rows), labels);
        Assert.True(accuracy > 0.95, $"training accuracy {accuracy}, best epoch {model.BestEpoch}");
    }
}
