namespace System.Runtime.CompilerServices
{
    /// <summary>What C# needs for records and init-only setters; .NET has it, netstandard2.0
    /// (the Windows PowerShell 5.1 build) does not.</summary>
    internal static class IsExternalInit
    {
    }
}
