namespace TransferSharp.Backbones;

/// <summary>One node of an imported graph.</summary>
/// <param name="Name">The ONNX node name (or a generated one when the file has none).</param>
/// <param name="OpType">The ONNX operator, e.g. "Conv".</param>
/// <param name="Inputs">Names of the tensors it reads; empty strings are omitted optional inputs.</param>
/// <param name="Output">Name of the tensor it writes.</param>
/// <param name="Source">Index of the file's node it came from (a multi-output node becomes one node per output);
/// -1 for nodes the file does not have (an input adapter).</param>
public sealed record GraphNode(
    string Name,
    string OpType,
    IReadOnlyList<string> Inputs,
    string Output,
    int Source = -1
);
