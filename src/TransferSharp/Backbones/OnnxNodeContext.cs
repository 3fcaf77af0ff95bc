using Onnx;
using static TorchSharp.torch;

namespace TransferSharp.Backbones;

/// <summary>One ONNX node as the importer reads it: attributes, constant inputs, and errors that name the file, the
/// node and the opset.</summary>
internal sealed record OnnxNodeContext(
    NodeProto Proto,
    string Name,
    string Source,
    Dictionary<string, TensorProto> Initializers,
    long Opset = 13
)
{
    public OnnxImportException Error(string problem) =>
        new($"{Source}: node '{Name}' ({Proto.OpType}, opset {Opset}): {problem}");

    public AttributeProto? Attribute(string name) => Proto.Attribute.FirstOrDefault(a => a.Name == name);

    public long Int(string name, long fallback) => Attribute(name) is { } a ? a.I : fallback;

    public float Float(string name, float fallback) => Attribute(name) is { } a ? a.F : fallback;

    public string String(string name, string fallback) => Attribute(name) is { } a ? a.S.ToStringUtf8() : fallback;

    public long[]? Ints(string name) => Attribute(name) is { } a ? a.Ints.ToArray() : null;

    public bool IsConstant(int slot) =>
        slot < Proto.Input.Count && Proto.Input[slot].Length > 0 && Initializers.ContainsKey(Proto.Input[slot]);

    public Tensor Constant(int slot)
    {
        if (!IsConstant(slot))
            throw Error($"input {slot} must be a constant initializer.");
        return OnnxImporter.ToTensor(Initializers[Proto.Input[slot]], this);
    }

    public Tensor? OptionalConstant(int slot) => IsConstant(slot) ? Constant(slot) : null;

    /// <summary>Integer values given as an attribute (older opsets) or as a constant input (newer ones), or null when
    /// neither is there.</summary>
    public long[]? IntsFrom(string attribute, int slot)
    {
        if (Ints(attribute) is { } values)
            return values;
        if (IsConstant(slot))
            return OnnxImporter.LongValues(Initializers[Proto.Input[slot]], this);
        return null;
    }
}
