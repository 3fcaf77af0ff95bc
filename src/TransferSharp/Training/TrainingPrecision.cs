namespace TransferSharp.Training;

/// <summary>The arithmetic of the training step's convolutions.</summary>
public enum TrainingPrecision
{
    /// <summary>32-bit floats throughout.</summary>
    Fp32,

    /// <summary>Convolutions (forward and backward) in bfloat16 with fp32 master weights; BatchNorm, the head, the loss
    /// and the optimizer in fp32 (AVX512_BF16 / AMX kernels where the CPU has them). Evaluation runs in fp32.</summary>
    Bf16,

    /// <summary>bf16 where the CPU computes it natively (AVX512_BF16 or AMX) and a check on the run's training images
    /// passes (<see cref="PrecisionCheck"/>); fp32 otherwise. Resolved when a network strategy starts.</summary>
    Auto,
}
