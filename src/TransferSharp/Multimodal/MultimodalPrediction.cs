namespace TransferSharp.Multimodal;

/// <summary>One row's prediction: its line in the CSV, its image cell, the label and its probability, and what the
/// model had to go on.</summary>
public sealed record MultimodalPrediction(
    int Row,
    string Image,
    string Label,
    float Probability,
    bool HasImage,
    bool HasRecord
);
