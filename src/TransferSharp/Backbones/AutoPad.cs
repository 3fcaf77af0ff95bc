namespace TransferSharp.Backbones;

/// <summary>How an op pads one spatial dimension: ONNX explicit pads, or computed from the input size
/// (auto_pad).</summary>
internal enum AutoPad
{
    NotSet,
    SameUpper,
    SameLower,
    Valid,
}
