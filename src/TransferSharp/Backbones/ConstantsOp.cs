using static TorchSharp.torch;

namespace TransferSharp.Backbones;

/// <summary>An op whose constant inputs (initializers) are kept as non-trainable buffers.</summary>
internal sealed class ConstantsOp : TensorOwningOp
{
    private readonly Func<IReadOnlyList<Tensor?>, bool, Tensor> body;
    private readonly int[] constantSlots;

    public ConstantsOp(
        string name,
        IReadOnlyDictionary<int, Tensor> constants,
        Func<IReadOnlyList<Tensor?>, bool, Tensor> body
    )
        : base(name)
    {
        this.body = body;
        constantSlots = constants.Keys.OrderBy(k => k).ToArray();
        foreach (var (slot, tensor) in constants)
            register_buffer($"input{slot}", tensor);
    }

    public override Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        var filled = inputs.ToArray();
        foreach (int slot in constantSlots)
            filled[slot] = Buffer($"input{slot}");
        return body(filled, training);
    }
}
