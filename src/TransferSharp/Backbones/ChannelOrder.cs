namespace TransferSharp.Backbones;

/// <summary>The channel order a backbone was trained with.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue.</summary>
    Rgb,

    /// <summary>Blue, green, red (Caffe/CNTK exports).</summary>
    Bgr,
}
