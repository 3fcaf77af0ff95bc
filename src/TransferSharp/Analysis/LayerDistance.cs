namespace TransferSharp.Analysis;

/// <summary>How far one BatchNorm layer's input statistics on the user's images are from those stored by
/// pretraining.</summary>
/// <param name="Layer">The BatchNorm node.</param>
/// <param name="Group">Its layer group.</param>
/// <param name="Channels">Channels compared.</param>
/// <param name="SymmetricKl">Mean over channels of the symmetric KL divergence between the per-channel
/// Gaussians.</param>
/// <param name="Wasserstein">Mean over channels of the squared 2-Wasserstein distance, in units of the pretrained
/// variance.</param>
public sealed record LayerDistance(string Layer, string Group, int Channels, double SymmetricKl, double Wasserstein);
