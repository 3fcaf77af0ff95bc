namespace TransferSharp.Data;

/// <summary>An image and its class index.</summary>
/// <param name="Source">Where the image comes from.</param>
/// <param name="Label">Class index into the dataset's class names.</param>
public sealed record LabeledImage(IImageSource Source, int Label);
