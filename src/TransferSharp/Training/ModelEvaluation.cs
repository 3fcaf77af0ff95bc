using TransferSharp.Progress;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>A model's features, log-probabilities and scores on a decoded store.</summary>
public static class ModelEvaluation
{
    /// <summary>
    /// Pooled backbone features of every image of a store (eval mode, no autograd). While the backbone still holds the
    /// file's weights and runs on the CPU, ONNX Runtime runs it (faster; outputs agree with TorchSharp's to ~1e-5,
    /// tested).
    /// </summary>
    public static Tensor Features(
        TransferModel model,
        ImageStore store,
        Device device,
        IProgress<ProgressUpdate>? progress,
        string label
    )
    {
        model.Train(false);
        Backbones.OnnxRuntimePass? pass = FrozenPass(model, device);
        bool onnx = pass is not null;
        using var task = progress.Begin($"{label}: extracting features{(onnx ? " (ONNX Runtime)" : "")}", store.Count);
        return Inference.Concat(
            store.Count,
            32,
            index =>
            {
                Tensor input = store.Batch(model.Backbone, index, device);
                Tensor features =
                    onnx && input.shape[1] == 3
                        ? tensor(
                            pass!.Features(input, model.Backbone.FeatureGrid),
                            new long[] { input.shape[0], model.Backbone.FeatureWidth }
                        )
                        : model.Backbone.Features(input);
                task.Advance(index.shape[0]);
                return features;
            }
        );
    }

    /// <summary>What runs a frozen pass of the model's backbone: "onnxruntime" while pristine on the CPU and ONNX
    /// Runtime takes its graph, else "torch".</summary>
    public static string FrozenEngine(TransferModel model, Device device) =>
        FrozenPass(model, device) is null ? "torch" : "onnxruntime";

    // The backbone's ONNX Runtime pass, or null where TorchSharp runs it: modified, not on the CPU, or a graph ONNX
    // Runtime refuses (an op outside its opset, a feature layer that is not one of the file's tensors).
    private static Backbones.OnnxRuntimePass? FrozenPass(TransferModel model, Device device)
    {
        if (!model.Backbone.RunsOnOnnxRuntime(device))
            return null;
        try
        {
            return model.Backbone.OnnxRuntime;
        }
        catch (Exception e) when (e is NotSupportedException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            return null;
        }
    }

    /// <summary>Log-softmax outputs of every image of a store, with the mirror images' logits averaged in when
    /// asked.</summary>
    public static double[][] LogProbabilities(
        TransferModel model,
        ImageStore store,
        Device device,
        bool mirrorToo = false
    )
    {
        model.Train(false);
        var rows = new List<double[]>();
        Inference.ForEachBatch(
            store.Count,
            64,
            index =>
                rows.AddRange(
                    Inference.LogSoftmaxRows(
                        Inference.Logits(
                            mirror => model.Forward(store.Batch(model.Backbone, index, device, mirror)),
                            mirrorToo
                        )
                    )
                )
        );
        return rows.ToArray();
    }

    /// <summary>Accuracy, per-class accuracy and confusion on a store.</summary>
    public static ClassificationReport Report(
        TransferModel model,
        ImageStore store,
        IReadOnlyList<string> classNames,
        Device device,
        bool mirrorToo = false
    )
    {
        long[] predicted = LogProbabilities(model, store, device, mirrorToo).Select(row => (long)ArgMax(row)).ToArray();
        return ClassificationReport.From(store.Labels.data<long>().ToArray(), predicted, classNames);
    }

    /// <summary>The index of the largest value (the first on ties).</summary>
    public static int ArgMax(IReadOnlyList<double> row)
    {
        int best = 0;
        for (int i = 1; i < row.Count; i++)
            if (row[i] > row[best])
                best = i;
        return best;
    }
}
