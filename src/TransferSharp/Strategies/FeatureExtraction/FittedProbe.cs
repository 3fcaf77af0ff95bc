using System.Security.Cryptography;
using System.Text;
using TransferSharp.Training;

namespace TransferSharp.Strategies.FeatureExtraction;

/// <summary>
/// A frozen-feature fit's head and out-of-fold predictions, reused by a fit of the same features, split, seed and head
/// options that only adds the test images (a preset's final pass): the head fit is deterministic, so fitting it again
/// would give the same head at the cost of the weight-decay path and the five folds.
/// </summary>
/// <param name="Key">What the head was fitted from (<see cref="KeyOf"/>): reused only under the same key.</param>
/// <param name="Probe">The fitted head and its weight-decay search.</param>
/// <param name="HeldOut">The out-of-fold predictions on every labelled image.</param>
internal sealed record FittedProbe(string Key, LinearProbeResult Probe, PredictionSet HeldOut)
{
    /// <summary>
    /// The inputs of a frozen-feature head fit: the features (backbone, layers, pooling, precision), the labelled
    /// images in split order with their labels, the seed and the head's options.
    /// </summary>
    public static string KeyOf(StrategyRun run, string featureKey, LinearProbeOptions options, bool mirrored)
    {
        var text = new StringBuilder()
            .Append(featureKey)
            .Append('|')
            .Append(run.Seed)
            .Append('|')
            .Append(options.Steps)
            .Append('|')
            .Append(options.Solver)
            .Append('|')
            .Append(options.RefitOnAll)
            .Append('|')
            .Append(mirrored);
        foreach (int[] rows in new[] { run.TrainRows, run.ValidationRows })
        {
            text.Append("|rows");
            foreach (int row in rows)
                text.Append('|').Append(run.Data.Items[row].Source.Id).Append(':').Append(run.Data.Items[row].Label);
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
