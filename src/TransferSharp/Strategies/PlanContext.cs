using TransferSharp.Training;

namespace TransferSharp.Strategies;

/// <summary>What a strategy's plan is made from.</summary>
/// <param name="GroupNames">The model's layer groups, input first, head last.</param>
/// <param name="AdapterIndex">The input adapter's group, when the model has one.</param>
/// <param name="ValidationImages">Images in the validation split.</param>
/// <param name="Settings">The loop's settings.</param>
public sealed record PlanContext(
    IReadOnlyList<string> GroupNames,
    int? AdapterIndex,
    int ValidationImages,
    TrainingSettings Settings
)
{
    /// <summary>Index of the head group.</summary>
    public int HeadIndex => GroupNames.Count - 1;
}
