using System.Text.Json.Serialization;
using PSUJobs.Models;

namespace PSUJobs.Client
{
    /// <summary>Serialization code generated at build time for every type that crosses the
    /// native boundary, and the only metadata the module's JSON uses. The reflection-based
    /// serializer builds the same at run time, which cost a fresh process about 100 ms on its
    /// first call (every job's first -Integrated call paid that).</summary>
    [JsonSourceGenerationOptions(
        PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonSerializable(typeof(Job))]
    [JsonSerializable(typeof(JobPage))]
    [JsonSerializable(typeof(JobOutput))]
    [JsonSerializable(typeof(JobOutput[]))]
    [JsonSerializable(typeof(JobParameter[]))]
    [JsonSerializable(typeof(JobFeedback))]
    [JsonSerializable(typeof(Script))]
    [JsonSerializable(typeof(Script[]))]
    [JsonSerializable(typeof(ScriptParameter[]))]
    [JsonSerializable(typeof(ExecutionEnvironment[]))]
    [JsonSerializable(typeof(JobContext))]
    [JsonSerializable(typeof(JobQuery))]
    [JsonSerializable(typeof(WaitOptions))]
    [JsonSerializable(typeof(FeedbackResponse))]
    [JsonSerializable(typeof(HttpConnectionArgs))]
    [JsonSerializable(typeof(IntegratedEndpoint))]
    [JsonSerializable(typeof(OutputQuery))]
    internal sealed partial class JsonContext : JsonSerializerContext
    {
    }
}
