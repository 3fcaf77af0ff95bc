using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>
/// Outputs of a frozen prefix of the network (the groups before a boundary) for every image of a store, computed once
/// per (boundary, split) while augmentation is off, within a memory budget.
/// </summary>
internal sealed class FrozenPrefixCache
{
    private readonly TransferModel model;
    private readonly Device device;
    private readonly long budgetBytes;
    private readonly Dictionary<(int group, bool validation), Tensor> outputs = new();

    public FrozenPrefixCache(TransferModel model, Device device, long budgetBytes)
    {
        this.model = model;
        this.device = device;
        this.budgetBytes = budgetBytes;
    }

    /// <summary>The boundary outputs of every row of <paramref name="data"/>; null when over the memory
    /// budget.</summary>
    public Tensor? Outputs(ImageStore data, int prefix, bool validation)
    {
        if (outputs.TryGetValue((prefix, validation), out Tensor? cached))
            return cached;
        foreach (var key in outputs.Keys.Where(k => k.group != prefix).ToList())
        {
            outputs[key].Dispose();
            outputs.Remove(key);
        }
        bool wasTraining = model.Backbone.Network.training;
        model.Backbone.Network.eval();
        try
        {
            Tensor? all = Compute(data, prefix);
            if (all is not null)
                outputs[(prefix, validation)] = all;
            return all;
        }
        finally
        {
            model.Backbone.Network.train(wasTraining);
        }
    }

    /// <summary>The prefix's output for a batch of normalised images.</summary>
    public Tensor Run(Tensor x, int prefix) =>
        prefix == model.HeadIndex ? model.Backbone.Features(x) : model.Backbone.Network.ForwardPrefix(x, prefix);

    /// <summary>Releases every cached output.</summary>
    public void Clear()
    {
        foreach (var cached in outputs.Values)
            cached.Dispose();
        outputs.Clear();
    }

    private Tensor? Compute(ImageStore data, int prefix)
    {
        var parts = new List<Tensor>();
        bool overBudget = false;
        Inference.ForEachBatch(
            data.Count,
            64,
            index =>
            {
                Tensor part = Run(data.Batch(model.Backbone, index, device), prefix);
                overBudget = parts.Count == 0 && part.numel() / part.shape[0] * 4L * data.Count > budgetBytes;
                if (!overBudget)
                    parts.Add(part.DetachFromDisposeScope()); // owned by the cache, not by any batch's scope
                return !overBudget;
            }
        );
        if (overBudget)
            return null;
        Tensor all = cat(parts.ToArray(), 0).DetachFromDisposeScope();
        foreach (var p in parts)
            p.Dispose();
        return all;
    }
}
