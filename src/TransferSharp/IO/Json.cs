using System.Text.Json;
using System.Text.Json.Serialization;

namespace TransferSharp.IO;

/// <summary>JSON conventions of every file TransferSharp writes: snake_case names, indented, invariant
/// numbers.</summary>
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

    /// <summary>The value as JSON text.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> atomically.</summary>
    public static void Write<T>(string path, T value) => AtomicFile.WriteAllText(path, Serialize(value));

    /// <summary>Reads a JSON file; errors name the file.</summary>
    public static T Read<T>(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found.");
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options)
                ?? throw new InvalidDataException($"{path}: empty JSON.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON for {typeof(T).Name} ({e.Message}).", e);
        }
    }
}
