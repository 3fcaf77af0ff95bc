using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TransferSharp.IO;

namespace TransferSharp.Learning;

/// <summary>
/// What a fit was asked, as flat keys (<c>training.epochs</c>, <c>strategy.patience</c>, <c>data.train_sha256</c>): the
/// options and a digest of the images' names and labels and of the split. A resume compares it key by key.
/// </summary>
internal static class FitRequest
{
    public static Dictionary<string, string> Of(LearnerOptions options, LearnerData data)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        Flatten("data", JsonSerializer.SerializeToNode(options.Data, Json.Options), keys);
        Flatten("model", JsonSerializer.SerializeToNode(options.Model, Json.Options), keys);
        Flatten("training", JsonSerializer.SerializeToNode(options.Training, Json.Options), keys);
        Flatten(
            "strategy",
            JsonSerializer.SerializeToNode(options.Strategy, options.Strategy.GetType(), Json.Options),
            keys
        );
        Flatten("analyses", JsonSerializer.SerializeToNode(options.Analyses, Json.Options), keys);
        keys["strategy.kind"] = options.Strategy.GetType().Name;
        keys["seed"] = options.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        keys["data.train_images"] = Digest(data.Train.Items.Select(i => $"{i.Source.Id}\t{i.Label}"));
        keys["data.classes"] = string.Join(",", data.Train.ClassNames);
        keys["data.split"] = Digest(
            data.TrainRows.Select(r => "t" + r).Concat(data.ValidationRows.Select(r => "v" + r))
        );
        if (data.Test is { } test)
            keys["data.test_images"] = Digest(test.Items.Select(i => $"{i.Source.Id}\t{i.Label}"));
        return keys;
    }

    private static void Flatten(string prefix, JsonNode? node, Dictionary<string, string> keys)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o)
                    Flatten($"{prefix}.{name}", child, keys);
                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                    Flatten($"{prefix}[{i}]", a[i], keys);
                break;
            case null:
                break;
            default:
                keys[prefix] = node.ToJsonString();
                break;
        }
    }

    private static string Digest(IEnumerable<string> lines)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string line in lines)
            hash.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
        return "sha256:" + Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant()[..16];
    }
}
