namespace TransferSharp.Backbones;

/// <summary>How pads that differ between the start and the end of a dimension are treated.</summary>
public enum PaddingPolicy
{
    /// <summary>
    /// Keep the file's pads exactly. Exports often bake pads computed for one input size ([1,1,0,0] for a stride-2 3x3
    /// conv at 224); at other sizes those can make residual branches disagree in size.
    /// </summary>
    Exact,

    /// <summary>
    /// Where the extra end padding is never read at the graph's declared input size (so outputs there are
    /// bit-identical), use symmetric pads, as the network was trained (torchvision's convention). This works at every
    /// input size.
    /// </summary>
    SymmetricWhereEquivalent,
}
