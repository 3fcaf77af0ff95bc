namespace TransferSharp.Backbones;

/// <summary>Options of <see cref="OnnxImporter"/>.</summary>
public sealed record OnnxImportOptions
{
    /// <summary>Pad handling; default <see cref="PaddingPolicy.SymmetricWhereEquivalent"/>.</summary>
    public PaddingPolicy Padding { get; init; } = PaddingPolicy.SymmetricWhereEquivalent;

    /// <summary>Momentum of BatchNorm running statistics when the network trains (PyTorch convention: weight of the new
    /// batch). Default 0.1.</summary>
    public double BatchNormMomentum { get; init; } = 0.1;

    /// <summary>Input size used to trace shapes when the graph's input has symbolic sizes. Default 224.</summary>
    public int TraceSize { get; init; } = 224;

    /// <summary>Names of the layer groups, from input to output; when null or of another length, generic names are used
    /// (stem, stage1, ...).</summary>
    public IReadOnlyList<string>? GroupNames { get; init; }

    /// <summary>End the network where the classifier starts (the input of the last linear layers), so that its output
    /// is the pooled features. Default false: the whole graph, as the file has it.</summary>
    public bool CutClassifier { get; init; }

    /// <summary>End the network at this node's output (or at this tensor): the classifier cut by hand.</summary>
    public string? FeatureNode { get; init; }
}
