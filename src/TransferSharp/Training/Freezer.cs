using TorchSharp.Modules;
using TransferSharp.Backbones;

namespace TransferSharp.Training;

/// <summary>
/// The one place that applies a plan's freezing to tensors: requires_grad, gradients set to null (TorchSharp's AdamW
/// would otherwise still move a parameter whose gradient is a zero tensor), and BatchNorm statistics frozen in frozen
/// groups. The optimizer's parameter groups are never rebuilt.
/// </summary>
public static class Freezer
{
    /// <summary>Applies one mode per group (index = group index).</summary>
    public static void Apply(
        TransferModel model,
        IReadOnlyList<GroupMode> modes,
        bool freezeBatchNormStatistics = false
    )
    {
        if (modes.Count != model.Groups.Count)
            throw new ArgumentException($"expected {model.Groups.Count} group modes, got {modes.Count}");
        for (int g = 0; g < model.Groups.Count; g++)
        {
            ModelGroup group = model.Groups[g];
            var bn = new HashSet<Parameter>(group.BatchNormParameters, ReferenceEqualityComparer.Instance);
            foreach (Parameter p in group.All)
            {
                bool trains = modes[g] == GroupMode.Full || (modes[g] == GroupMode.BatchNormOnly && bn.Contains(p));
                p.requires_grad_(trains);
                if (!trains)
                    p.grad = null;
            }
            foreach (BatchNormOp layer in model.BatchNormsOf(g))
                layer.UpdatesStatistics = modes[g] != GroupMode.Frozen && !freezeBatchNormStatistics;
        }
    }
}
