using TorchSharp.Modules;
using TransferSharp.Backbones;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>The network being adapted: a backbone and a new classification head, organised in layer groups.</summary>
public sealed class TransferModel : IDisposable
{
    private readonly List<ModelGroup> groups = new();
    private readonly List<List<BatchNormOp>> batchNorms = new();

    /// <summary>Wraps <paramref name="backbone"/> and <paramref name="head"/> (the model owns both).</summary>
    public TransferModel(Backbone backbone, ClassifierHead head)
    {
        Backbone = backbone;
        Head = head;
        var network = backbone.Network;
        var names = network.Groups.Select(g => g.Name).ToList();
        // Groups after the last one the head reads neither run nor train: they are left out of the model.
        int last = backbone.FinalFeaturesOnly ? names.Count - 1 : backbone.FeatureLayers.Max(names.IndexOf);
        for (int g = 0; g <= last; g++)
        {
            var bnLayers = network.GroupBatchNorms(g).ToList();
            var bnParams = new HashSet<Parameter>(
                bnLayers.SelectMany(b => b.parameters()),
                ReferenceEqualityComparer.Instance
            );
            var named = network.GroupParameters(g).ToList();
            var decay = named
                .Where(p => !bnParams.Contains(p.parameter) && p.parameter.dim() > 1)
                .Select(p => p.parameter)
                .ToList();
            var noDecay = named
                .Where(p => bnParams.Contains(p.parameter) || p.parameter.dim() <= 1)
                .Select(p => p.parameter)
                .ToList();
            groups.Add(new ModelGroup(network.Groups[g].Name, g, decay, noDecay, bnParams.ToList()));
            batchNorms.Add(bnLayers);
        }
        var headParams = head.parameters().ToList();
        groups.Add(
            new ModelGroup(
                "head",
                groups.Count,
                headParams.Where(p => p.dim() > 1).ToList(),
                headParams.Where(p => p.dim() <= 1).ToList(),
                Array.Empty<Parameter>()
            )
        );
        batchNorms.Add(new List<BatchNormOp>());
    }

    /// <summary>The backbone.</summary>
    public Backbone Backbone { get; }

    /// <summary>The head.</summary>
    public ClassifierHead Head { get; }

    /// <summary>The channel pipeline's input step, when the model was trained through it.</summary>
    public Adapters.ChannelInput? ChannelInput { get; set; }

    /// <summary>Layer groups, input first, head last.</summary>
    public IReadOnlyList<ModelGroup> Groups => groups;

    /// <summary>Index of the head group.</summary>
    public int HeadIndex => groups.Count - 1;

    /// <summary>Index of the input adapter's group (a learnable 1x1 convolution in front of the backbone), or null when
    /// there is none.</summary>
    public int? AdapterIndex =>
        groups.FindIndex(g => g.Name == Adapters.InputAdapters.GroupName) is var i and >= 0 ? i : null;

    /// <summary>The BatchNorm layers of a group.</summary>
    internal IReadOnlyList<BatchNormOp> BatchNormsOf(int group) => batchNorms[group];

    /// <summary>Logits from normalised images.</summary>
    public Tensor Forward(Tensor normalized)
    {
        using var scope = NewDisposeScope();
        return Head.forward(Backbone.Features(normalized)).MoveToOuterDisposeScope();
    }

    /// <summary>Logits from the output of the frozen prefix (groups before <paramref name="group"/>).</summary>
    public Tensor ForwardFrom(Tensor boundary, int group)
    {
        using var scope = NewDisposeScope();
        return Head.forward(Backbone.Network.ForwardFrom(boundary, group).flatten(1)).MoveToOuterDisposeScope();
    }

    /// <summary>Sets train/eval mode of the whole model (BatchNorm of frozen groups keeps its running statistics either
    /// way).</summary>
    public void Train(bool training)
    {
        Backbone.Network.train(training);
        Head.train(training);
    }

    /// <summary>Number of parameters that require gradients.</summary>
    public long TrainableParameters => groups.SelectMany(g => g.All).Where(p => p.requires_grad).Sum(p => p.numel());

    /// <summary>A deep copy of every parameter and buffer (a checkpoint in memory).</summary>
    public Dictionary<string, Tensor> Snapshot()
    {
        var copy = new Dictionary<string, Tensor>();
        using var scope = NewDisposeScope(); // frees the detach() aliases; the clones leave the scope
        foreach (var (name, t) in Backbone.Network.state_dict())
            copy["backbone." + name] = t.detach().clone().DetachFromDisposeScope();
        foreach (var (name, t) in Head.state_dict())
            copy["head." + name] = t.detach().clone().DetachFromDisposeScope();
        return copy;
    }

    /// <summary>Releases a <see cref="Snapshot"/>'s tensors (when there is one) and forgets it.</summary>
    public static void Release(ref Dictionary<string, Tensor>? snapshot)
    {
        foreach (var t in snapshot?.Values ?? Enumerable.Empty<Tensor>())
            t.Dispose();
        snapshot = null;
    }

    /// <summary>Restores a <see cref="Snapshot"/> in place.</summary>
    public void Restore(Dictionary<string, Tensor> snapshot)
    {
        using var _ = no_grad();
        foreach (var (name, t) in Backbone.Network.state_dict())
            t.copy_(snapshot["backbone." + name]);
        foreach (var (name, t) in Head.state_dict())
            t.copy_(snapshot["head." + name]);
    }

    /// <summary>Releases backbone and head.</summary>
    public void Dispose()
    {
        Backbone.Dispose();
        Head.Dispose();
    }
}
