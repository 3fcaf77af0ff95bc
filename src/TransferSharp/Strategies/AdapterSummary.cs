namespace TransferSharp.Strategies;

/// <summary>The input adapter of a channel-pipeline run and the channel statistics it standardises with.</summary>
/// <param name="Kind">replicate, weight-sum or conv1x1.</param>
/// <param name="Channels">Channels of the data.</param>
/// <param name="NetworkInputChannels">Channels the network's input now takes.</param>
/// <param name="ChannelMean">Per-channel mean of the training split.</param>
/// <param name="ChannelStd">Per-channel standard deviation of the training split.</param>
/// <param name="TargetScale">The scale standardised channels are brought to.</param>
/// <param name="FeaturePath">How features reach the head, in words.</param>
public sealed record AdapterSummary(
    string Kind,
    int Channels,
    long NetworkInputChannels,
    double[] ChannelMean,
    double[] ChannelStd,
    double TargetScale,
    string FeaturePath
);
