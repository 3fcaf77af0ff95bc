using TransferSharp.Data;

namespace TransferSharp.Learning;

/// <summary>A fit's data: the labelled images and their stratified split, and the test images.</summary>
/// <param name="Train">The labelled images.</param>
/// <param name="Test">The test images, or null.</param>
/// <param name="TrainRows">Rows of <paramref name="Train"/> trained on.</param>
/// <param name="ValidationRows">Rows held out for validation.</param>
public sealed record LearnerData(ImageDataset Train, ImageDataset? Test, int[] TrainRows, int[] ValidationRows);
