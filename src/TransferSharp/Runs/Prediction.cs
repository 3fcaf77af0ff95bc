namespace TransferSharp.Runs;

/// <summary>One prediction.</summary>
/// <param name="Id">The image (file path or IDX record).</param>
/// <param name="Label">The predicted class name.</param>
/// <param name="Probability">Its probability.</param>
/// <param name="Probabilities">All class probabilities, by class index.</param>
public sealed record Prediction(string Id, string Label, double Probability, float[] Probabilities);
