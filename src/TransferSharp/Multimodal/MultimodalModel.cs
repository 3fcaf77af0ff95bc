using TransferSharp.Data;
using TransferSharp.IO;
using TransferSharp.Progress;
using TransferSharp.Training;

namespace TransferSharp.Multimodal;

/// <summary>A saved multimodal run, loaded to predict tables of new rows (either modality may be missing).</summary>
public sealed class MultimodalModel : IDisposable
{
    private MultimodalModel(MultimodalManifest manifest, IFusionModel model, string folder)
    {
        Manifest = manifest;
        Model = model;
        Folder = folder;
    }

    /// <summary>The run folder.</summary>
    public string Folder { get; }

    /// <summary>The manifest.</summary>
    public MultimodalManifest Manifest { get; }

    /// <summary>The model.</summary>
    public IFusionModel Model { get; }

    /// <summary>Whether <paramref name="folder"/> holds a multimodal run.</summary>
    public static bool IsRun(string folder) => File.Exists(Path.Combine(folder, MultimodalManifest.FileName));

    /// <summary>Loads the run in <paramref name="folder"/> (its files checked against the run's checksums).</summary>
    public static MultimodalModel Load(string folder)
    {
        var manifest = Json.Read<MultimodalManifest>(Path.Combine(folder, MultimodalManifest.FileName));
        if (!MultimodalManifest.ReadableFormats.Contains(manifest.Format))
            throw new InvalidDataException(
                $"{folder}: {MultimodalManifest.FileName} is in format '{manifest.Format}'; this TransferSharp reads "
                    + $"{string.Join(" and ", MultimodalManifest.ReadableFormats.Select(f => $"'{f}'"))}."
            );
        Runs.RunFolder.Verify(folder, MultimodalManifest.FileName, manifest.ModelFile, manifest.BackboneFile);
        int classes = manifest.ClassNames.Count;
        IFusionModel model =
            manifest.Model == FusionKind.RecordBoosted
                ? BoostedModel.Load(folder, manifest.Record.Width, classes)
                : NetworkModel.Load(
                    folder,
                    manifest.Model,
                    manifest.ImageWidth,
                    manifest.Record.Width,
                    classes,
                    manifest.Hidden,
                    manifest.Record.Embeddings()
                );
        return new MultimodalModel(manifest, model, folder);
    }

    /// <summary>Predicts every row of <paramref name="table"/>: the record's columns must all be there (an error
    /// names a missing one); an empty image cell, a missing file, an undecodable image, missing values and unseen
    /// categories predict, and are counted.</summary>
    public MultimodalPredictions Predict(
        RecordTable table,
        IProgress<ProgressUpdate>? progress = null,
        string? cacheDirectory = null,
        CancellationToken cancellation = default
    )
    {
        var rows = Enumerable.Range(0, table.Rows.Count).ToArray();
        EncodedRecords records = Manifest.Record.Encode(table, rows);
        float[]?[] features = new float[]?[rows.Length];
        int notFound = 0;
        var bad = new List<BadImage>();
        int image = table.Find(Manifest.ImageColumn);
        if (Manifest.Model is not (FusionKind.RecordOnly or FusionKind.RecordBoosted))
        {
            if (image < 0)
                throw new DataException(
                    $"{table.Path}: no image column '{Manifest.ImageColumn}' (columns: "
                        + $"{string.Join(", ", table.Header)}); an empty cell marks a row without an image.",
                    table.Path
                );
            var sources = ImageBranch.Sources(table, image, rows, out notFound);
            var (backbone, owner, cacheable) = TunedImageBranch.Open(Manifest, Folder);
            using var owned = owner;
            var cache = new FeatureCache(cacheable ? cacheDirectory : null, backbone.FeatureKey, backbone.FeatureWidth);
            features = ImageBranch.Features(backbone, sources, cache, 32, progress, "images", bad, cancellation);
        }
        int label = table.Find(Manifest.LabelColumn);
        int[] labels = rows.Select(r => label < 0 ? -1 : Manifest.ClassNames.ToList().IndexOf(table.Rows[r][label]))
            .ToArray();
        var packed = FusionRows.Pack(
            features,
            records,
            labels,
            Manifest.ImageWidth,
            Manifest.FeatureMean,
            Manifest.FeatureScale
        );
        float[][] probabilities = Model.Probabilities(packed);
        var predictions = rows.Select(i =>
            {
                float[] p = probabilities[i];
                int best = Array.IndexOf(p, p.Max());
                return new MultimodalPrediction(
                    table.FileRow(i),
                    image >= 0 ? table.Rows[i][image] : "",
                    Manifest.ClassNames[best],
                    p[best],
                    packed.HasImage(i),
                    packed.HasRecord(i)
                );
            })
            .ToArray();
        double? accuracy =
            label >= 0 && labels.All(l => l >= 0) ? MultimodalLearner.Score(probabilities, labels).accuracy : null;
        return new MultimodalPredictions(
            predictions,
            probabilities,
            accuracy,
            rows.Length - predictions.Count(p => p.HasImage),
            notFound,
            bad,
            Manifest
                .Record.Columns.Select((c, k) => new ColumnCounts(c.Name, records.Missing[k], records.Unknown[k]))
                .ToArray()
        );
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
