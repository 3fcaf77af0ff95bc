namespace TransferSharp.Adapters;

/// <summary>How an input with C channels reaches a backbone that expects 3.</summary>
public enum AdapterKind
{
    /// <summary>Copy or tile the channels to 3 (gray x3; C > 3: the first three). Nothing learns.</summary>
    Replicate,

    /// <summary>Adapt the first convolution's weights to C channels (sum over RGB for C = 1; repeat and rescale by 3/C
    /// otherwise), as timm and fastai do.</summary>
    WeightSum,

    /// <summary>A learnable C→3 1x1 convolution before the backbone, initialised to the replicate mapping (luminance
    /// for 3→3), trained with the head.</summary>
    Conv1x1,
}
