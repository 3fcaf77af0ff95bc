namespace TransferSharp.Backbones;

/// <summary>A per-pixel mean image stored as an initializer of an ONNX preprocessing graph.</summary>
/// <param name="RelativePath">The ONNX file, relative to the application's folder.</param>
/// <param name="InitializerName">The initializer holding the [1, C, H, W] mean image, in the model's channel
/// order.</param>
public sealed record MeanImageSource(string RelativePath, string InitializerName);
