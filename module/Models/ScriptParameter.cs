using System;
using System.Text.Json.Serialization;

namespace PSUJobs.Models
{
    /// <summary>One parameter of a script's param block, as the server's parser read it.</summary>
    public sealed class ScriptParameter
    {
        public string Name { get; set; } = string.Empty;

        /// <summary>The .NET full type name (System.String, System.Int32, an enum's name…).</summary>
        [JsonPropertyName("type")]
        public string Type { get; set; } = string.Empty;

        public bool Mandatory { get; set; }

        /// <summary>Null when the parameter is named only.</summary>
        public int? Position { get; set; }

        public string? ParameterSet { get; set; }

        public string? HelpMessage { get; set; }

        public string[] ValidateSet { get; set; } = Array.Empty<string>();

        public string? DefaultValue { get; set; }

        public string[] EnumValues { get; set; } = Array.Empty<string>();

        /// <inheritdoc/>
        public override string ToString() => $"[{Type}] ${Name}";
    }
}
