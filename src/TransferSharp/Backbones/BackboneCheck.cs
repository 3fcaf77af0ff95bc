using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TransferSharp.Engine;
using static TorchSharp.torch;

namespace TransferSharp.Backbones;

/// <summary>
/// Whether an ONNX file imports faithfully: the whole graph (classifier included) under TorchSharp against ONNX
/// Runtime on the same random batch, at the file's size and at another, and what the importer found in it.
/// </summary>
public static class BackboneCheck
{
    /// <summary>Checks <paramref name="path"/> at the file's own size and at <paramref name="size"/> (default
    /// 64).</summary>
    public static BackboneCheckReport Run(string path, int? size = null)
    {
        TorchRuntime.EnsureLoaded();
        var model = OnnxImporter.ReadModel(path);
        using OnnxGraphModule whole = OnnxImporter.Import(model, path, new OnnxImportOptions());
        var dims = model.Graph.Input.First(i => i.Name == whole.InputName).Type?.TensorType?.Shape?.Dim;
        long declared = dims is { Count: 4 } && dims[2].DimValue > 0 ? dims[2].DimValue : 224;
        long batch = dims is { Count: 4 } && dims[0].DimValue > 0 ? dims[0].DimValue : 2;
        int at = (int)declared;
        int other = size ?? 64;
        var sizes = new List<BackboneParity> { Parity(model, whole, at, batch, original: true) };
        string? otherSizeError = null;
        if (other != at)
        {
            try
            {
                sizes.Add(Parity(model, whole, other, batch, original: false));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                otherSizeError = e.Message;
            }
        }
        using Backbone backbone = Backbone.Load(path, at);
        return new BackboneCheckReport
        {
            File = Path.GetFullPath(path),
            Opset = OnnxImporter.DefaultOpset(model, 0),
            Nodes = model.Graph.Node.Count,
            Parameters = whole.parameters().Sum(p => p.numel()),
            Sizes = sizes,
            AnySize = otherSizeError is null && sizes.Count > 1 && sizes[1].Passed,
            OtherSizeError = otherSizeError,
            FeatureTensor = backbone.Network.OutputName,
            FeatureWidth = backbone.FeatureWidth,
            Classifier = backbone.Config.Classifier,
            FirstConvolution = backbone.Config.FirstConvolution,
            Groups = backbone
                .Network.Groups.Select(g => new BackboneGroupInfo(
                    g.Name,
                    g.NodeNames[0],
                    g.NodeNames[^1],
                    backbone.Network.GroupParameters(g.Index).Sum(p => p.parameter.numel()),
                    g.OutputStride
                ))
                .ToList(),
            BatchNorms = backbone.Network.BatchNorms().Count(),
            Sidecar = backbone.Config.Sidecar,
            Normalization = backbone.Normalization,
            Warnings = backbone.Config.Warnings,
            Adaptations = whole.Adaptations,
        };
    }

    private static BackboneParity Parity(
        Onnx.ModelProto model,
        OnnxGraphModule whole,
        int size,
        long batch,
        bool original
    )
    {
        long channels = whole.InputChannels;
        long[] shape = { batch, channels, size, size };
        var random = new Random(size);
        float[] input = Enumerable
            .Range(0, (int)(batch * channels * size * size))
            .Select(_ => (float)(random.NextDouble() * 4 - 2))
            .ToArray();
        float[] torchOutput;
        using (var scope = NewDisposeScope())
        using (no_grad())
            torchOutput = whole.forward(tensor(input, shape)).flatten().data<float>().ToArray();
        // At the file's own size the file itself is the reference; elsewhere its size-agnostic copy.
        byte[] bytes = original ? model.ToByteArray() : OnnxSizeAgnostic.Rewrite(model, whole).ToByteArray();
        using var session = new InferenceSession(bytes);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var outputs = session.Run(
            new RunOptions(),
            new[] { whole.InputName },
            new[] { value },
            new[] { session.OutputNames[0] }
        );
        float[] reference = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        if (reference.Length != torchOutput.Length)
            throw new OnnxImportException(
                $"at {size}x{size}: ONNX Runtime gives {reference.Length} values, the import {torchOutput.Length}."
            );
        double diff = reference.Zip(torchOutput).Max(p => Math.Abs((double)p.First - p.Second));
        double magnitude = reference.Max(v => Math.Abs((double)v));
        return new BackboneParity(size, diff, magnitude, diff <= 1e-4 * Math.Max(1, magnitude));
    }
}
