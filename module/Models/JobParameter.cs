using System.Text.Json.Serialization;

namespace PSUJobs.Models
{
    /// <summary>A parameter a job was started with; secret values are redacted by the server.</summary>
    public sealed class JobParameter
    {
        public string Name { get; set; } = string.Empty;

        /// <summary>The value as display text.</summary>
        [JsonConverter(typeof(DisplayTextConverter))]
        public string? Value { get; set; }

        [JsonPropertyName("type")]
        public string? Type { get; set; }

        /// <summary>True when the value names a stored credential.</summary>
        public bool IsVariable { get; set; }

        /// <inheritdoc/>
        public override string ToString() => $"{Name}={Value}";
    }
}
