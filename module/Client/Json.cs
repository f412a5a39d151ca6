using System.Text.Json;
using System.Text.Json.Serialization;

namespace PSUJobs.Client
{
    /// <summary>The JSON settings of every object crossing the native boundary: the REST API's
    /// camelCase names, enums as numbers, nulls left out of what the module sends.</summary>
    internal static class Json
    {
        internal static readonly JsonSerializerOptions Options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            PropertyNameCaseInsensitive = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = JsonContext.Default,
        };

        internal static T Read<T>(string json) =>
            JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"the native library answered null for {typeof(T).Name}");

        internal static T? ReadOrNull<T>(string json)
            where T : class =>
            JsonSerializer.Deserialize<T>(json, Options);

        internal static T Read<T>(JsonElement element) =>
            element.Deserialize<T>(Options) ?? throw new JsonException($"the native library answered null for {typeof(T).Name}");

        internal static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);
    }
}
