namespace TransferSharp.Training;

/// <summary>How a layer group takes part in an epoch.</summary>
public enum GroupMode
{
    /// <summary>No parameter trains; BatchNorm uses its running statistics.</summary>
    Frozen,

    /// <summary>Only BatchNorm affine parameters train; BatchNorm normalises with batch statistics and updates its
    /// running ones.</summary>
    BatchNormOnly,

    /// <summary>Everything trains.</summary>
    Full,
}
