namespace TransferSharp.Backbones;

/// <summary>A layer group as the importer found it.</summary>
/// <param name="Name">Its name.</param>
/// <param name="FirstNode">Its first node.</param>
/// <param name="LastNode">Its last node.</param>
/// <param name="Parameters">Its trainable values.</param>
/// <param name="OutputStride">Input size / its output map's size.</param>
public sealed record BackboneGroupInfo(
    string Name,
    string FirstNode,
    string LastNode,
    long Parameters,
    long OutputStride
);
