using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransferSharp.Training;

/// <summary>
/// The new head on top of the backbone's pooled features: standardisation (statistics of the training features, stored
/// as buffers so they travel with the model) followed by a linear layer.
/// </summary>
public sealed class ClassifierHead : nn.Module<Tensor, Tensor>
{
    private readonly Linear linear;

    /// <summary>A head for <paramref name="width"/> features and <paramref name="classes"/> classes.</summary>
    public ClassifierHead(int width, int classes)
        : base(nameof(ClassifierHead))
    {
        Width = width;
        Classes = classes;
        linear = nn.Linear(width, classes);
        register_module("linear", linear);
        register_buffer("feature_mean", zeros(width));
        register_buffer("feature_scale", ones(width));
        // The module owns its tensors: a dispose scope that happens to be open must not free them.
        foreach (var p in parameters())
            p.DetachFromDisposeScope();
        foreach (var b in buffers())
            b.DetachFromDisposeScope();
    }

    /// <summary>Feature width.</summary>
    public int Width { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>The linear layer's weight [classes, width].</summary>
    public Tensor Weight => linear.weight ?? throw new InvalidOperationException("no weight");

    /// <summary>The linear layer's bias [classes].</summary>
    public Tensor Bias => linear.bias ?? throw new InvalidOperationException("no bias");

    /// <summary>
    /// Sets the standardisation from training features [N, width]: per feature, or with <paramref name="perFeature"/>
    /// false one scale for all (the mean deviation; features are only centred): a head that fine-tuning will move the
    /// features under, since a per-feature scale amplifies the drift of the units that hardly vary.
    /// </summary>
    public void SetStandardization(Tensor features, bool perFeature = true)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor mean = features.mean(new long[] { 0 });
        // A floor at a tenth of the mean deviation: near-constant features (units that hardly fire on the training
        // images) would otherwise be amplified without bound, and explode once fine-tuning moves them.
        Tensor deviation = features.std(0);
        double meanDeviation = deviation.mean().item<float>();
        Tensor std = perFeature
            ? deviation.clamp_min(Math.Max(1e-6, 0.1 * meanDeviation))
            : full_like(deviation, Math.Max(1e-6, meanDeviation));
        Buffer("feature_mean").copy_(mean);
        Buffer("feature_scale").copy_(std.reciprocal());
    }

    /// <summary>A new head with this one's weights and standardisation (its own tensors, on the same
    /// device).</summary>
    public ClassifierHead Copy()
    {
        var copy = new ClassifierHead(Width, Classes);
        copy.to(Weight.device);
        // Moving makes new tensors: they too belong to the module, not to a dispose scope open around the call.
        foreach (var p in copy.parameters())
            p.DetachFromDisposeScope();
        foreach (var b in copy.buffers())
            b.DetachFromDisposeScope();
        using var _ = no_grad();
        copy.Weight.copy_(Weight);
        copy.Bias.copy_(Bias);
        foreach (string name in new[] { "feature_mean", "feature_scale" })
            copy.Buffer(name).copy_(Buffer(name));
        return copy;
    }

    private Tensor Buffer(string name) => get_buffer(name) ?? throw new InvalidOperationException(name);

    /// <summary>Features [N, width] as the linear layer sees them: centred and scaled.</summary>
    public Tensor Standardize(Tensor features) => (features - Buffer("feature_mean")) * Buffer("feature_scale");

    /// <summary>Logits [N, classes] from features [N, width].</summary>
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        return linear.forward(Standardize(features)).MoveToOuterDisposeScope();
    }
}
