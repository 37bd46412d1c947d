using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceClip.Core.Reconstruction;

/// <summary>Reads and writes a <see cref="FitParametersLossEntry"/> as one flat object: <c>stage</c>, then the terms.</summary>
internal sealed class FitParametersLossEntryConverter : JsonConverter<FitParametersLossEntry>
{
    private const string StageProperty = "stage";

    public override FitParametersLossEntry Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A loss_history entry must be an object.");
        }

        string? stage = null;
        var losses = new Dictionary<string, double>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (name == StageProperty)
            {
                stage = reader.GetString();
            }
            else
            {
                losses[name] = reader.GetDouble();
            }
        }

        return new FitParametersLossEntry(stage ?? string.Empty, losses);
    }

    public override void Write(Utf8JsonWriter writer, FitParametersLossEntry value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString(StageProperty, value.Stage);
        foreach (var (name, loss) in value.Losses)
        {
            writer.WriteNumber(name, loss);
        }

        writer.WriteEndObject();
    }
}
