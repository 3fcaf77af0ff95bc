namespace TransferSharp.Analysis;

/// <summary>One first-layer filter seen through a replicated gray input.</summary>
/// <param name="Index">Output channel.</param>
/// <param name="Energy">Total energy: the sum of squared weights over colour channels and taps.</param>
/// <param name="GrayExcitableShare"> ‖Σ_c w_c‖² / (C · Σ_c ‖w_c‖²), in [0, 1]: the share of the filter's
/// energy a gray input (the same image in every channel) can excite. 1 for a pure luminance filter (equal weights
/// in every channel); 0 for a colour-opponent filter whose channels cancel (red minus green).
/// </param>
/// <param name="ColourOpponent">Whether the share is below the threshold: a replicated gray input blinds this
/// filter.</param>
public sealed record FilterExcitation(int Index, double Energy, double GrayExcitableShare, bool ColourOpponent);
