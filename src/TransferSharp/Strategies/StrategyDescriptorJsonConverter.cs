using System.Text.Json;
using System.Text.Json.Serialization;

namespace TransferSharp.Strategies;

/// <summary>A strategy is written by its registered name and read back through the registry.</summary>
public sealed class StrategyDescriptorJsonConverter : JsonConverter<StrategyDescriptor>
{
    /// <inheritdoc />
    public override StrategyDescriptor Read(
        ref Utf8JsonReader reader,
        Type typeToConvert,
        JsonSerializerOptions options
    ) => StrategyRegistry.Get(reader.GetString() ?? "");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, StrategyDescriptor value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Name);
}
