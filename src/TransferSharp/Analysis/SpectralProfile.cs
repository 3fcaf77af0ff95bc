namespace TransferSharp.Analysis;

/// <summary>Where the energy of a set of images lies across spatial frequencies.</summary>
/// <param name="Frequencies">Band centres (cycles per pixel).</param>
/// <param name="Share">Share of the images' (non-DC) spectral energy in each band.</param>
/// <param name="NaturalShare">The same for natural images (power falling as 1/f²: equal energy per octave).</param>
/// <param name="Images">Images measured.</param>
public sealed record SpectralProfile(double[] Frequencies, double[] Share, double[] NaturalShare, int Images);
