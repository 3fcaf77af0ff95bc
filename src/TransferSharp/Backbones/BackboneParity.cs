namespace TransferSharp.Backbones;

/// <summary>The import against ONNX Runtime at one input size.</summary>
/// <param name="Size">The input size (square).</param>
/// <param name="MaxAbsDiff">The largest absolute difference of the outputs.</param>
/// <param name="OutputMaxAbs">The largest absolute output value (ONNX Runtime's).</param>
/// <param name="Passed">max_abs_diff &lt;= 1e-4 * max(1, output_max_abs).</param>
public sealed record BackboneParity(int Size, double MaxAbsDiff, double OutputMaxAbs, bool Passed);
