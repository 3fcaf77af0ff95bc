using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TransferSharp.Runs;

/// <summary>JSON conventions of every file TransferSharp writes: snake_case names, indented, invariant numbers.</summary>
public static class Json
{
    /// <summary>The serializer options.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> atomically (temp file, then rename).</summary>
    public static void Write<T>(string path, T value)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(value, Options));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads a JSON file; errors name the file.</summary>
    public static T Read<T>(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.");
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options) ?? throw new InvalidDataException($"{path}: empty JSON.");
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON for {typeof(T).Name} ({e.Message}).", e); }
    }
}

/// <summary>
/// The machine-readable record of a run (metrics.json): an open set of named values, so strategies add their own
/// (per-epoch curves, unfreezing stages) without a schema change. Well-known keys are constants here.
/// </summary>
public sealed class RunRecord
{
    private readonly JsonObject values = new();

    /// <summary>Sets a value (any JSON-serializable object).</summary>
    public RunRecord Set(string key, object? value)
    {
        values[key] = value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), Json.Options);
        return this;
    }

    /// <summary>A value read back as <typeparamref name="T"/>, or default when absent.</summary>
    public T? Get<T>(string key) => values.TryGetPropertyValue(key, out var node) && node is not null ? node.Deserialize<T>(Json.Options) : default;

    /// <summary>Whether the record holds <paramref name="key"/>.</summary>
    public bool Has(string key) => values.ContainsKey(key);

    /// <summary>The record as JSON.</summary>
    public string ToJson() => values.ToJsonString(Json.Options);

    /// <summary>Writes the record atomically.</summary>
    public void Save(string path)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, ToJson());
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads a record.</summary>
    public static RunRecord Load(string path)
    {
        var record = new RunRecord();
        var node = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object.");
        foreach (var (key, value) in node) record.values[key] = value?.DeepClone();
        return record;
    }
}
