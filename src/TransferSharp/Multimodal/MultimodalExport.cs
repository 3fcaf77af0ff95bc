using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Onnx;
using TransferSharp.Backbones;
using TransferSharp.IO;
using TransferSharp.Runs;
using static TorchSharp.torch;

namespace TransferSharp.Multimodal;

/// <summary>
/// A multimodal run as one ONNX file with two inputs: <c>image</c>, float32 [N, 3, S, S] of 0..255 RGB pixels, and
/// <c>record</c>, float32 [N, R] as the run's encoders write it (the encoders travel in the file's metadata); a third,
/// <c>present</c> [N, 2], says per row whether the image and the record are there (1) or missing (0: the input's
/// values are then ignored). Output <c>probabilities</c> [N, K]. Every model kind has this signature; LightGBM's
/// trees come from ML.NET's ONNX converter, and its file leaves the image unread.
/// </summary>
public static class MultimodalExport
{
    /// <summary>The image input.</summary>
    public const string ImageInput = "image";

    /// <summary>The encoded record input.</summary>
    public const string RecordInput = "record";

    /// <summary>The presence flags input.</summary>
    public const string PresentInput = "present";

    /// <summary>Writes the run in <paramref name="model"/> to <paramref name="path"/> (atomically).</summary>
    public static void Write(MultimodalModel model, string path)
    {
        if (model.Model is BoostedModel boosted)
        {
            WriteBoosted(model.Manifest, boosted, path);
            return;
        }
        var network = (NetworkModel)model.Model;
        MultimodalManifest m = model.Manifest;
        var (backbone, owner, _) = TunedImageBranch.Open(m, model.Folder);
        using var owned = owner;
        ModelProto proto = OnnxWeights.Current(backbone);
        var graph = new ExportGraph(proto);
        string backboneInput = backbone.Network.InputName;
        graph.BeginPrefix();
        graph.Alias(ModelExport.PixelsNormalized(graph, backbone, ImageInput), backboneInput);
        graph.EndPrefix();
        string features = ModelExport.Features(graph, backbone);
        var g = new Builder(graph, network.Network.state_dict());
        string hasImage = graph.Gather(PresentInput, new[] { 0L }, "has_image");
        string hasRecord = graph.Gather(PresentInput, new[] { 1L }, "has_record");
        string centred = graph.Node(
            "Sub",
            new[] { features, graph.Constant("feature_mean", tensor(m.FeatureMean)) },
            "features_centred"
        );
        string standardised = g.Mul(centred, graph.Constant("feature_scale", tensor(m.FeatureScale)), "features_std");
        string image = g.Mul(standardised, hasImage, "image_present");
        string record = g.Mul(
            g.Code(RecordInput, network.Network.Embeddings, m.Record.Width),
            hasRecord,
            "record_present"
        );
        string joined = m.Model switch
        {
            FusionKind.ImageOnly => g.Concat("joined", image, hasImage),
            FusionKind.RecordOnly => g.Concat("joined", record, hasRecord),
            FusionKind.Late => g.Concat(
                "joined",
                g.Relu(g.Linear(g.Concat("image_flagged", image, hasImage), "image_in"), "image_code"),
                g.Relu(g.Linear(g.Concat("record_flagged", record, hasRecord), "record_in"), "record_code")
            ),
            _ => g.Concat("joined", g.Film(image, record, hasRecord), hasImage),
        };
        string logits = g.Linear(g.Relu(g.Linear(joined, "hidden"), "hidden_act"), "output");
        graph.Node("Softmax", new[] { logits }, ModelExport.OutputName, ("axis", 1L));
        SetSignature(proto.Graph, backboneInput, m);
        AddMetadata(proto, m);
        AtomicFile.Write(path, temp => File.WriteAllBytes(temp, proto.ToByteArray()));
    }

    // ML.NET's converter writes the trees (ai.onnx.ml's TreeEnsembleClassifier) behind an input "Features"; the file
    // gets the networks' signature, the image input unread, so that an application calls every run alike.
    private static void WriteBoosted(MultimodalManifest m, BoostedModel boosted, string path)
    {
        const string scores = "Score.output";
        ModelProto proto = ModelProto.Parser.ParseFrom(boosted.Onnx());
        GraphProto g = proto.Graph;
        // Only what the scores read: the converter's file also maps the label and echoes every column.
        var needed = new HashSet<string> { scores };
        for (int i = g.Node.Count - 1; i >= 0; i--)
            if (g.Node[i].Output.Any(needed.Contains))
                needed.UnionWith(g.Node[i].Input);
            else
                g.Node.RemoveAt(i);
        foreach (var unused in g.Initializer.Where(t => !needed.Contains(t.Name)).ToList())
            g.Initializer.Remove(unused);
        if (!needed.Contains("Features"))
            throw new InvalidOperationException("ML.NET's ONNX file for the LightGBM model reads no 'Features' input.");
        var graph = new ExportGraph(g);
        graph.BeginPrefix();
        // As predict: a row without its record scores on zeros.
        graph.Node("Mul", new[] { RecordInput, graph.Gather(PresentInput, new[] { 1L }, "has_record") }, "Features");
        graph.EndPrefix();
        graph.Node("Identity", new[] { scores }, ModelExport.OutputName);
        g.Input.Clear();
        SetSignature(g, "", m);
        AddMetadata(proto, m);
        AtomicFile.Write(path, temp => File.WriteAllBytes(temp, proto.ToByteArray()));
    }

    private static void SetSignature(GraphProto graph, string backboneInput, MultimodalManifest m)
    {
        foreach (var old in graph.Input.Where(i => i.Name == backboneInput).ToList())
            graph.Input.Remove(old);
        graph.Input.Insert(
            0,
            ModelExport.Value(ImageInput, new object[] { "batch", 3L, (long)m.InputSize, (long)m.InputSize })
        );
        graph.Input.Insert(1, ModelExport.Value(RecordInput, new object[] { "batch", (long)m.Record.Width }));
        graph.Input.Insert(2, ModelExport.Value(PresentInput, new object[] { "batch", 2L }));
        graph.Output.Clear();
        graph.Output.Add(ModelExport.Value(ModelExport.OutputName, new object[] { "batch", (long)m.ClassNames.Count }));
        graph.ValueInfo.Clear();
    }

    private static void AddMetadata(ModelProto proto, MultimodalManifest m)
    {
        var entries = new Dictionary<string, string>
        {
            ["labels"] = JsonSerializer.Serialize(m.ClassNames),
            ["transfersharp.input"] =
                $"{ImageInput}: float32 [N, 3, {m.InputSize}, {m.InputSize}] RGB 0..255; {RecordInput}: float32 "
                + $"[N, {m.Record.Width}] encoded as transfersharp.record_encoders says; {PresentInput}: float32 "
                + "[N, 2], 1 where the row has its image (column 0) and its record (column 1), else 0",
            ["transfersharp.record_encoders"] = Json.Serialize(m.Record),
            ["transfersharp.output"] =
                $"{ModelExport.OutputName}: float32 [N, {m.ClassNames.Count}], softmax over the labels",
            ["transfersharp.model"] = MultimodalLearner.Name(m.Model),
            ["transfersharp.backbone"] = m.Backbone,
            ["transfersharp.input_size"] = m.InputSize.ToString(CultureInfo.InvariantCulture),
            ["transfersharp.format_version"] = "1",
        };
        proto.MetadataProps.Clear();
        foreach (var (key, value) in entries)
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        proto.ProducerName = "TransferSharp";
    }

    /// <summary>The fusion head's layers as ONNX nodes, from the network's weights.</summary>
    private sealed class Builder(ExportGraph graph, Dictionary<string, Tensor> weights)
    {
        public string Linear(string x, string layer) =>
            graph.Node(
                "Gemm",
                new[]
                {
                    x,
                    graph.Constant($"{layer}_weight", weights[$"{layer}.weight"]),
                    graph.Constant($"{layer}_bias", weights[$"{layer}.bias"]),
                },
                $"{layer}_out",
                ("transB", 1L)
            );

        /// <summary>As <see cref="FusionNetwork"/>: each embedded column's index slot replaced by its table
        /// row.</summary>
        public string Code(string record, IReadOnlyList<RecordEmbedding> embeddings, int width)
        {
            if (embeddings.Count == 0)
                return record;
            var parts = new List<string>();
            foreach (var (start, length, embedding) in RecordEmbedding.Segments(embeddings, width))
            {
                if (embedding is not { } e)
                {
                    long[] columns = Enumerable.Range(start, length).Select(i => (long)i).ToArray();
                    parts.Add(graph.Gather(record, columns, $"record_values_{start}"));
                    continue;
                }
                string slot = graph.Gather(record, new[] { (long)start }, $"embedding_{e}_slot");
                string index = graph.Node("Cast", new[] { slot }, $"embedding_{e}_index", ("to", 7L));
                string table = graph.Constant($"embedding_{e}_weight", weights[$"embedding_{e}.weight"]);
                // [N, 1] indices give [N, 1, W] rows.
                string rows = graph.Node("Gather", new[] { table, index }, $"embedding_{e}_rows", ("axis", 0L));
                parts.Add(graph.Node("Flatten", new[] { rows }, $"embedding_{e}_out", ("axis", 1L)));
            }
            return Concat("record_coded", parts.ToArray());
        }

        public string Relu(string x, string output) => graph.Node("Relu", new[] { x }, output);

        public string Concat(string output, params string[] parts) => graph.Node("Concat", parts, output, ("axis", 1L));

        public string Mul(string a, string b, string output) => graph.Node("Mul", new[] { a, b }, output);

        /// <summary>As <see cref="FusionNetwork"/>: the record scales and shifts the standardised features.</summary>
        public string Film(string image, string record, string hasRecord)
        {
            string code = Relu(Linear(Concat("film_input", record, hasRecord), "film_in"), "film_code");
            string scale = Mul(Linear(code, "film_scale"), hasRecord, "film_scale_present");
            string shift = Mul(Linear(code, "film_shift"), hasRecord, "film_shift_present");
            string gain = graph.Node("Add", new[] { scale, graph.Constant("one", tensor(new[] { 1f })) }, "film_gain");
            return graph.Node("Add", new[] { Mul(image, gain, "film_scaled"), shift }, "film_out");
        }
    }
}
