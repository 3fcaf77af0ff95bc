namespace TransferSharp.Backbones;

/// <summary>Where a backbone's weights come from: an ONNX file shipped by a NuGet package and copied into the build
/// output.</summary>
/// <param name="PackageId">The NuGet package that ships the file.</param>
/// <param name="PackageVersion">Its version.</param>
/// <param name="RelativePath">The file's path relative to the application's folder (where the build copies it).</param>
/// <param name="License">The weights' licence.</param>
public sealed record WeightsSource(string PackageId, string PackageVersion, string RelativePath, string License);
