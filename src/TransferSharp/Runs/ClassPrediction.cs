namespace TransferSharp.Runs;

/// <summary>One image's prediction.</summary>
/// <param name="Label">The most probable class.</param>
/// <param name="Index">Its index.</param>
/// <param name="Probability">Its probability.</param>
/// <param name="Probabilities">Every class's probability, by name.</param>
public sealed record ClassPrediction(
    string Label,
    int Index,
    float Probability,
    IReadOnlyDictionary<string, float> Probabilities
);
