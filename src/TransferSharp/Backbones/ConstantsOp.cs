using static TorchSharp.torch;

namespace TransferSharp.Backbones;

/// <summary>An op whose constant inputs (initializers) are kept as non-trainable buffers, or as parameters where
/// they are learned tensors of the exported network.</summary>
internal sealed class ConstantsOp : TensorOwningOp
{
    private readonly Func<IReadOnlyList<Tensor?>, bool, Tensor> body;
    private readonly int[] constantSlots;

    public ConstantsOp(
        string name,
        IReadOnlyDictionary<int, Tensor> constants,
        Func<IReadOnlyList<Tensor?>, bool, Tensor> body,
        IReadOnlySet<int>? trainable = null
    )
        : base(name)
    {
        this.body = body;
        constantSlots = constants.Keys.OrderBy(k => k).ToArray();
        TrainableSlots = constantSlots.Where(s => trainable?.Contains(s) == true).ToArray();
        foreach (var (slot, tensor) in constants)
            if (TrainableSlots.Contains(slot))
                register_parameter($"input{slot}", new TorchSharp.Modules.Parameter(tensor));
            else
                register_buffer($"input{slot}", tensor);
    }

    /// <summary>The input slots held as parameters.</summary>
    public int[] TrainableSlots { get; }

    /// <summary>The tensor of constant input <paramref name="slot"/>.</summary>
    public Tensor Input(int slot) =>
        TrainableSlots.Contains(slot) ? get_parameter($"input{slot}")! : Buffer($"input{slot}");

    public override Tensor Run(IReadOnlyList<Tensor?> inputs, bool training)
    {
        var filled = inputs.ToArray();
        foreach (int slot in constantSlots)
            filled[slot] = Input(slot);
        return body(filled, training);
    }
}
