using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace TransferSharp.Multimodal;

/// <summary>The record-only baseline a .NET user would reach for: ML.NET's LightGBM multiclass trainer on the encoded
/// record (it sees neither the image nor whether the record is missing).</summary>
public sealed class BoostedModel : IFusionModel
{
    /// <summary>The model file in a run folder.</summary>
    public const string FileName = "lightgbm.zip";

    private readonly MLContext context;
    private readonly ITransformer model;
    private readonly int recordWidth;
    private readonly int classes;

    private BoostedModel(MLContext context, ITransformer model, int recordWidth, int classes)
    {
        this.context = context;
        this.model = model;
        this.recordWidth = recordWidth;
        this.classes = classes;
    }

    /// <inheritdoc />
    public FusionKind Kind => FusionKind.RecordBoosted;

    /// <summary>Trains on the records of <paramref name="train"/>.</summary>
    public static BoostedModel Train(FusionRows train, int classes, int seed)
    {
        var context = new MLContext(seed);
        // Every row, those without a record too (all zeros): each class keeps its training rows, so score i is class i.
        var rows = Enumerable.Range(0, train.Count).ToArray();
        IDataView data = View(context, train, rows, train.RecordWidth, classes);
        var options = new LightGbmMulticlassTrainer.Options
        {
            LabelColumnName = "Label",
            FeatureColumnName = "Features",
            NumberOfIterations = 200,
            LearningRate = 0.05,
            NumberOfLeaves = 15,
            // Small data: LightGBM's default of 20 rows a leaf would leave few classes splittable.
            MinimumExampleCountPerLeaf = Math.Clamp(rows.Length / (4 * classes), 2, 20),
            Seed = seed,
            Silent = true,
            Verbose = false,
        };
        // Keys sorted by value: score i is class i (every class has training rows: the split is stratified).
        var pipeline = context
            .Transforms.Conversion.MapValueToKey(
                "Label",
                keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue
            )
            .Append(context.MulticlassClassification.Trainers.LightGbm(options));
        return new BoostedModel(context, pipeline.Fit(data), train.RecordWidth, classes);
    }

    /// <summary>A model saved with <see cref="Save"/>.</summary>
    public static BoostedModel Load(string folder, int recordWidth, int classes)
    {
        var context = new MLContext(0);
        ITransformer model = context.Model.Load(Path.Combine(folder, FileName), out _);
        return new BoostedModel(context, model, recordWidth, classes);
    }

    /// <inheritdoc />
    public float[][] Probabilities(FusionRows rows)
    {
        IDataView scored = model.Transform(
            View(context, rows, Enumerable.Range(0, rows.Count).ToArray(), recordWidth, classes)
        );
        // Copied row by row: the cursor reuses one buffer for every row's scores.
        return scored.GetColumn<VBuffer<float>>("Score").Select(s => s.DenseValues().ToArray()).ToArray();
    }

    /// <inheritdoc />
    public string Save(string folder)
    {
        var schema = View(context, null, Array.Empty<int>(), recordWidth, classes).Schema;
        context.Model.Save(model, schema, Path.Combine(folder, FileName));
        return FileName;
    }

    /// <summary>The model as ML.NET's ONNX converter writes it: input <c>Features</c> [N, R] (and <c>Label</c>, which
    /// the scores do not read), output <c>Score.output</c> [N, K], the same probabilities as <see
    /// cref="Probabilities"/>.</summary>
    internal byte[] Onnx()
    {
        using var stream = new MemoryStream();
        context.Model.ConvertToOnnx(model, View(context, null, Array.Empty<int>(), recordWidth, classes), stream);
        return stream.ToArray();
    }

    /// <inheritdoc />
    public void Dispose() { }

    private static IDataView View(MLContext context, FusionRows? rows, int[] which, int width, int classes)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        var items = which
            .Select(i => new Row { Features = rows!.Record(i).ToArray(), Label = rows.Labels[i] })
            .ToList();
        return context.Data.LoadFromEnumerable(items, schema);
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = Array.Empty<float>();

        public float Label { get; set; }
    }
}
