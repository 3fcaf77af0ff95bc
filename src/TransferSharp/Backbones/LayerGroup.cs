namespace TransferSharp.Backbones;

/// <summary>A named slice of the network that is frozen, unfrozen and given a learning rate as a unit.</summary>
/// <param name="Name">e.g. "stem", "stage1".</param>
/// <param name="Index">Position from the input (0) to the output.</param>
/// <param name="NodeNames">The graph nodes in this group.</param>
/// <param name="OutputStride">Input size divided by the feature-map size this group produces.</param>
public sealed record LayerGroup(string Name, int Index, IReadOnlyList<string> NodeNames, long OutputStride);
