using TransferSharp.Training;

namespace TransferSharp.Multimodal;

/// <summary>A table's predictions, their accuracy when the table has labels, and what was missing.</summary>
public sealed record MultimodalPredictions(
    IReadOnlyList<MultimodalPrediction> Rows,
    float[][] Probabilities,
    double? Accuracy,
    int WithoutImage,
    int ImagesNotFound,
    IReadOnlyList<BadImage> BadImages,
    IReadOnlyList<ColumnCounts> Columns
);
