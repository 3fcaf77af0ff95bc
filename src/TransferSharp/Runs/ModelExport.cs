using System.Text.Json;
using Google.Protobuf;
using Onnx;
using TransferSharp.Backbones;
using TransferSharp.IO;
using static TorchSharp.torch;

namespace TransferSharp.Runs;

/// <summary>
/// A trained model as one ONNX file that ONNX Runtime or ML.NET can score: input <c>image</c>, float32 [N, C, S, S] of
/// raw pixel values (0..255 in R, G, B order for 8-bit images; the array's own values for .npy and TIFF data) at the
/// run's input size; output <c>probabilities</c>, float32 [N, K]. Inside: the normalisation, the input adapter, the
/// backbone as trained, the feature pooling, the head and a softmax; with test-time augmentation both views.
/// </summary>
public static class ModelExport
{
    /// <summary>The graph's input.</summary>
    public const string InputName = "image";

    /// <summary>The graph's output.</summary>
    public const string OutputName = "probabilities";

    /// <summary>Metadata value of transfersharp.input_kind: 8-bit images, R, G, B in 0..255.</summary>
    public const string PixelsKind = "rgb-0-255";

    /// <summary>Metadata value of transfersharp.input_kind: raw multichannel arrays.</summary>
    public const string ChannelsKind = "raw-channels";

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (atomically).</summary>
    public static void Write(SavedModel model, string path)
    {
        ModelProto proto = Build(model);
        AtomicFile.Write(path, temp => File.WriteAllBytes(temp, proto.ToByteArray()));
    }

    /// <summary>The ONNX model of <paramref name="model"/> (an ensemble: every member's graph, probabilities
    /// averaged with the members' weights).</summary>
    public static ModelProto Build(SavedModel model)
    {
        if (model.Members.Count == 0)
            return Single(model);
        ModelProto? merged = null;
        var weighted = new List<string>();
        // One graph declares the members' highest opset: a member below it is written in that opset's forms.
        var protos = model.Members.Select(m => Single(m.Model)).ToList();
        long opset = protos.Max(ExportGraph.DefaultOpset);
        for (int i = 0; i < protos.Count; i++)
            if (ExportGraph.DefaultOpset(protos[i]) < opset)
                protos[i] = Single(model.Members[i].Model, opset);
        for (int i = 0; i < model.Members.Count; i++)
        {
            EnsembleMember member = model.Members[i];
            ModelProto proto = protos[i];
            string prefix = $"member{i + 1}/";
            Rename(proto.Graph, name => name == InputName ? name : prefix + name);
            if (merged is null)
            {
                merged = proto;
                merged.Graph.Output.Clear();
            }
            else
            {
                merged.Graph.Node.Add(proto.Graph.Node);
                merged.Graph.Initializer.Add(proto.Graph.Initializer);
                merged.Graph.Input.Add(proto.Graph.Input.Where(v => v.Name != InputName));
                foreach (OperatorSetIdProto set in proto.OpsetImport)
                    if (merged.OpsetImport.FirstOrDefault(o => o.Domain == set.Domain) is { } known)
                        known.Version = Math.Max(known.Version, set.Version);
                    else
                        merged.OpsetImport.Add(set);
            }
            // Outside every member's prefix: no name of theirs can collide with these.
            var graph = new ExportGraph(merged.Graph);
            string weight = graph.Constant($"ensemble_weight_{i + 1}", Scalar(member.Weight));
            weighted.Add(graph.Node("Mul", new[] { prefix + OutputName, weight }, $"ensemble_weighted_{i + 1}"));
        }
        Deduplicate(merged!.Graph);
        new ExportGraph(merged.Graph).Node("Sum", weighted.ToArray(), OutputName);
        merged.Graph.Output.Add(Value(OutputName, new object[] { "batch", (long)model.Manifest.ClassNames.Count }));
        AddMetadata(merged, model);
        return merged;
    }

    // Members that share weights (frozen ones share the pretrained backbone) keep one copy of each: initializers of
    // the same type, shape and values become one, and the nodes that read the others read it.
    private static void Deduplicate(GraphProto graph)
    {
        var first = new Dictionary<string, string>(StringComparer.Ordinal);
        var alias = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (TensorProto initializer in graph.Initializer)
        {
            TensorProto content = initializer.Clone();
            content.Name = "";
            string key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content.ToByteArray()));
            if (!first.TryAdd(key, initializer.Name))
                alias[initializer.Name] = first[key];
        }
        if (alias.Count == 0)
            return;
        foreach (NodeProto node in graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (alias.TryGetValue(node.Input[i], out string? kept))
                    node.Input[i] = kept;
        foreach (TensorProto gone in graph.Initializer.Where(t => alias.ContainsKey(t.Name)).ToList())
            graph.Initializer.Remove(gone);
        foreach (ValueInfoProto gone in graph.Input.Where(v => alias.ContainsKey(v.Name)).ToList())
            graph.Input.Remove(gone);
    }

    // Every value, node and initializer name of a graph, renamed (an ensemble's members share only the input).
    private static void Rename(GraphProto graph, Func<string, string> rename)
    {
        foreach (NodeProto node in graph.Node)
        {
            if (node.Name.Length > 0)
                node.Name = rename(node.Name);
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i].Length > 0)
                    node.Input[i] = rename(node.Input[i]);
            for (int i = 0; i < node.Output.Count; i++)
                if (node.Output[i].Length > 0)
                    node.Output[i] = rename(node.Output[i]);
        }
        foreach (TensorProto initializer in graph.Initializer)
            initializer.Name = rename(initializer.Name);
        foreach (ValueInfoProto value in graph.Input.Concat(graph.Output).Concat(graph.ValueInfo))
            value.Name = rename(value.Name);
    }

    private static ModelProto Single(SavedModel model, long opset = 0)
    {
        // An int8 run's head reads the int8 pass's features: the export runs that graph.
        ModelProto proto = model.Manifest.FrozenQuantization is { } quantization
            ? OnnxRuntimePass.QuantizedModel(model.Backbone, quantization.Ranges, quantization.WeightLevels)
            : OnnxWeights.Current(model.Backbone);
        long own = ExportGraph.DefaultOpset(proto);
        if (own < opset)
        {
            // An ensemble's one graph: the ML.NET ResNet18 (opset 8) beside an int8 member (raised to 10).
            if (own < 7 || opset != 10)
                throw new NotSupportedException(
                    $"an ensemble member's graph is opset {own} and another's {opset}: only opsets 7-9 can be raised "
                        + "to 10 for one exported graph."
                );
            OnnxQuantizer.RaiseToOpset10(proto);
        }
        var graph = new ExportGraph(proto, opset);
        string backboneInput = model.Backbone.Network.InputName;
        graph.BeginPrefix();
        string views = model.Manifest.TestTimeAugmentation ? Mirrored(graph, model.Manifest.InputSize) : InputName;
        graph.Alias(Normalized(graph, model, views), backboneInput);
        graph.EndPrefix();
        string logits = Head(graph, model, Features(graph, model.Backbone));
        if (model.Manifest.TestTimeAugmentation)
            logits = MeanOfViews(graph, logits);
        graph.Node("Softmax", new[] { logits }, OutputName, ("axis", 1L));
        SetSignature(proto.Graph, model, backboneInput);
        AddMetadata(proto, model);
        return proto;
    }

    /// <summary>The batch followed by its mirror images (before normalising: a mean image is not symmetric).</summary>
    private static string Mirrored(ExportGraph graph, int size)
    {
        // Opset 8 has no reversing Slice: the columns are gathered in reverse.
        long[] reversed = Enumerable.Range(0, size).Select(i => (long)(size - 1 - i)).ToArray();
        string flipped = graph.Gather(InputName, reversed, "tta_flipped", axis: 3);
        return graph.Node("Concat", new[] { InputName, flipped }, "tta_views", ("axis", 0L));
    }

    private static string Normalized(ExportGraph graph, SavedModel model, string x)
    {
        if (model.ChannelInput is { } input)
        {
            double[] scale = input.Statistics.Std.Select(s => input.TargetScale / s).ToArray();
            x = graph.Node(
                "Sub",
                new[] { x, graph.Constant("channel_mean", Channels(input.Statistics.Mean)) },
                "standardised_centred"
            );
            x = graph.Node("Mul", new[] { x, graph.Constant("channel_scale", Channels(scale)) }, "standardised");
            if (input.Adapter == Adapters.AdapterKind.Replicate && input.Channels != 3)
                x = graph.Gather(
                    x,
                    Enumerable.Range(0, 3).Select(k => (long)(k % input.Channels)).ToArray(),
                    "replicated"
                );
            return x;
        }
        return PixelsNormalized(graph, model.Backbone, x);
    }

    /// <summary>0..255 RGB pixels as <paramref name="backbone"/> reads them: channel order, range, mean and
    /// deviation.</summary>
    internal static string PixelsNormalized(ExportGraph graph, Backbone backbone, string x)
    {
        PretrainedConfig config = backbone.Config;
        if (config.ChannelOrder == ChannelOrder.Bgr)
            x = graph.Gather(x, new long[] { 2, 1, 0 }, "bgr");
        if (config.InputRange != 255)
            x = graph.Node("Mul", new[] { x, graph.Constant("range", Scalar(config.InputRange / 255.0)) }, "ranged");
        x = graph.Node("Sub", new[] { x, graph.Constant("pixel_shift", backbone.NormalizationShift) }, "centred");
        return graph.Node("Mul", new[] { x, graph.Constant("pixel_scale", backbone.NormalizationScale) }, "normalised");
    }

    /// <summary>The pooled features the head reads, as the backbone computes them (one group, or several
    /// concatenated).</summary>
    internal static string Features(ExportGraph graph, Backbone backbone)
    {
        OnnxGraphModule network = backbone.Network;
        var names = network.Groups.Select(g => g.Name).ToList();
        var parts = new List<string>();
        Dictionary<string, long[]> shapes = OutputShapes(backbone);
        foreach (string layer in backbone.FeatureLayers)
        {
            int g = names.IndexOf(layer);
            if (g == names.Count - 1)
            {
                parts.Add(graph.Node("Flatten", new[] { network.OutputName }, $"features_{layer}", ("axis", 1L)));
                continue;
            }
            string map = network.GroupOutputs[g];
            parts.Add(
                backbone.FeatureGrid > 1
                    ? GridPool(graph, map, shapes[map], backbone.FeatureGrid, layer)
                    : graph.Node(
                        "Flatten",
                        new[] { graph.Node("GlobalAveragePool", new[] { map }, $"pooled_{layer}") },
                        $"features_{layer}",
                        ("axis", 1L)
                    )
            );
        }
        return parts.Count == 1 ? parts[0] : graph.Node("Concat", parts.ToArray(), "features", ("axis", 1L));
    }

    /// <summary>
    /// Adaptive average pooling to a g x g grid, as torch computes it (cell i spans floor(i H / g) to ceil((i + 1) H /
    /// g)), flattened channel by channel.
    /// </summary>
    private static string GridPool(ExportGraph graph, string map, long[] shape, int grid, string layer)
    {
        long height = shape[2],
            width = shape[3];
        var rows = new List<string>();
        for (int r = 0; r < grid; r++)
        {
            var cells = new List<string>();
            for (int c = 0; c < grid; c++)
            {
                string cell = graph.Slice(
                    map,
                    [r * height / grid, c * width / grid],
                    [
                        (long)Math.Ceiling((r + 1) * height / (double)grid),
                        (long)Math.Ceiling((c + 1) * width / (double)grid),
                    ],
                    [2L, 3L],
                    $"grid_{layer}_{r}_{c}"
                );
                cells.Add(graph.ReduceMean(cell, [2L, 3L], $"grid_{layer}_{r}_{c}_mean"));
            }
            rows.Add(graph.Node("Concat", cells.ToArray(), $"grid_{layer}_row{r}", ("axis", 3L)));
        }
        string pooled = graph.Node("Concat", rows.ToArray(), $"grid_{layer}", ("axis", 2L));
        return graph.Node("Flatten", new[] { pooled }, $"features_{layer}", ("axis", 1L));
    }

    private static string Head(ExportGraph graph, SavedModel model, string features)
    {
        var head = model.Head.state_dict();
        string centred = graph.Node(
            "Sub",
            new[] { features, graph.Constant("feature_mean", head["feature_mean"]) },
            "head_centred"
        );
        string scaled = graph.Node(
            "Mul",
            new[] { centred, graph.Constant("feature_scale", head["feature_scale"]) },
            "head_scaled"
        );
        return graph.Node(
            "Gemm",
            new[]
            {
                scaled,
                graph.Constant("head_weight", head["linear.weight"]),
                graph.Constant("head_bias", head["linear.bias"]),
            },
            "logits",
            ("transB", 1L)
        );
    }

    /// <summary>Test-time augmentation: the mean of each image's and its mirror image's logits.</summary>
    private static string MeanOfViews(ExportGraph graph, string logits)
    {
        var split = new NodeProto { Name = "tta_split", OpType = "Split" };
        split.Input.Add(logits);
        split.Output.Add(new[] { "logits_plain", "logits_mirrored" });
        split.Attribute.Add(
            new AttributeProto
            {
                Name = "axis",
                Type = AttributeProto.Types.AttributeType.Int,
                I = 0,
            }
        );
        graph.Add(split);
        string sum = graph.Node("Add", new[] { "logits_plain", "logits_mirrored" }, "logits_sum");
        return graph.Node("Mul", new[] { sum, graph.Constant("half", Scalar(0.5)) }, "logits_mean");
    }

    /// <summary>The output shape of every backbone node at the run's input size (grid pooling needs the maps'
    /// sizes).</summary>
    private static Dictionary<string, long[]> OutputShapes(Backbone backbone)
    {
        var shapes = new Dictionary<string, long[]>();
        bool training = backbone.Network.training;
        backbone.Network.eval();
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            Tensor probe = zeros(1, backbone.Network.InputChannels, backbone.InputSize, backbone.InputSize);
            backbone.Network.Run(probe, (node, _, output) => shapes[node.Output] = output.shape);
        }
        backbone.Network.train(training);
        return shapes;
    }

    private static void SetSignature(GraphProto graph, SavedModel model, string backboneInput)
    {
        long channels = model.ChannelInput?.Channels ?? 3;
        int size = model.Manifest.InputSize;
        foreach (var old in graph.Input.Where(i => i.Name == backboneInput).ToList())
            graph.Input.Remove(old);
        graph.Input.Insert(0, Value(InputName, new object[] { "batch", channels, (long)size, (long)size }));
        graph.Output.Clear();
        graph.Output.Add(Value(OutputName, new object[] { "batch", (long)model.Manifest.ClassNames.Count }));
        graph.ValueInfo.Clear();
    }

    internal static ValueInfoProto Value(string name, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
            shape.Dim.Add(
                d is string symbol
                    ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                    : new TensorShapeProto.Types.Dimension { DimValue = (long)d }
            );
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape };
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = tensorType },
        };
    }

    private static void AddMetadata(ModelProto proto, SavedModel model)
    {
        ModelManifest m = model.Manifest;
        string channels = model.ChannelInput is { } input
            ? $"{input.Channels} raw channels, as the training arrays hold them (the model standardises them)"
            : "3 channels R, G, B with values 0..255 (a gray image: the same values in all three)";
        var entries = new Dictionary<string, string>
        {
            ["labels"] = JsonSerializer.Serialize(m.ClassNames),
            ["transfersharp.input"] = $"{InputName}: float32 [N, C, {m.InputSize}, {m.InputSize}]",
            ["transfersharp.input_size"] = m.InputSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["transfersharp.input_channels"] = channels,
            ["transfersharp.input_kind"] = model.ChannelInput is null ? PixelsKind : ChannelsKind,
            ["transfersharp.channel_count"] = (model.ChannelInput?.Channels ?? 3).ToString(
                System.Globalization.CultureInfo.InvariantCulture
            ),
            ["transfersharp.output"] = $"{OutputName}: float32 [N, {m.ClassNames.Count}], softmax over the labels",
            ["transfersharp.strategy"] = m.Strategy,
            ["transfersharp.backbone"] = m.Backbone,
            ["transfersharp.test_time_augmentation"] = m.TestTimeAugmentation ? "mirror" : "none",
            ["transfersharp.format_version"] = "1",
        };
        if (m.Ensemble is { } ensemble)
        {
            entries["transfersharp.strategy"] = "ensemble";
            entries["transfersharp.ensemble"] = JsonSerializer.Serialize(
                ensemble.Select(e => new { name = e.Name, weight = e.Weight })
            );
        }
        proto.MetadataProps.Clear();
        foreach (var (key, value) in entries)
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        proto.ProducerName = "TransferSharp";
    }

    private static Tensor Channels(double[] values) =>
        tensor(values.Select(v => (float)v).ToArray()).reshape(1, -1, 1, 1);

    private static Tensor Scalar(double value) => tensor(new[] { (float)value });
}
