namespace TransferSharp.Training;

/// <summary>The optimizer.</summary>
public enum OptimizerKind
{
    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,

    /// <summary>SGD with (Nesterov) momentum.</summary>
    Sgd,
}
