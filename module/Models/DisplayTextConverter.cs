using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PSUJobs.Models
{
    /// <summary>Reads any JSON value as text: a job parameter's value is display text on our
    /// server but may be a number, a boolean or structured JSON on a real PSU.</summary>
    internal sealed class DisplayTextConverter : JsonConverter<string?>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.String:
                    return reader.GetString();
                default:
                    using (JsonDocument doc = JsonDocument.ParseValue(ref reader))
                    {
                        return doc.RootElement.GetRawText();
                    }
            }
        }

        public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value);
    }
}
