namespace TransferSharp.Training;

/// <summary>The arithmetic of the frozen backbone pass in feature extraction.</summary>
public enum FrozenPrecision
{
    /// <summary>32-bit floats, the network as trained.</summary>
    Fp32,

    /// <summary>8-bit integers on ONNX Runtime (VNNI where the CPU has it), calibrated on the training images and
    /// kept only when a linear probe on its features scores within 0.3 points of fp32's.</summary>
    Int8,
}
