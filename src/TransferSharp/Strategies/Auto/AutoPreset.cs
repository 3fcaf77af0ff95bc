namespace TransferSharp.Strategies.Auto;

/// <summary>How much auto tries (AutoGluon's presets): each adds candidates to the one before.</summary>
public enum AutoPreset
{
    /// <summary>Frozen features only: the advised layers, globally pooled and on a 2 x 2 grid. Seconds to a minute on
    /// a thousand images; the default of `fit`.</summary>
    Fast,

    /// <summary>Fast, then the advised network strategy (LP-FT when the advice is feature extraction), its epochs cut
    /// to what the time limit leaves.</summary>
    Balanced,

    /// <summary>Balanced, then the advice's next network strategy and longer schedules (1.5x the epochs).</summary>
    Best,
}
