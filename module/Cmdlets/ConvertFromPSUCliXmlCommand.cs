using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text;
using PSUJobs.Clixml;
using PSUJobs.Native;

namespace PSUJobs
{
    /// <summary>
    /// ConvertFrom-PSUCliXml: CliXml (Export-Clixml files, PSSerializer strings, job pipeline
    /// output) to the same objects Import-Clixml returns, decoded by the Rust codec.
    /// </summary>
    /// <remarks>
    /// Pipeline strings are collected until one ends a document (its trimmed text ends with
    /// "&lt;/Objs&gt;" or is an empty "&lt;Objs … /&gt;"); that document is then decoded and
    /// its objects written. So `Get-Content file | ConvertFrom-PSUCliXml` (one line per string),
    /// `Get-Content -Raw file | ConvertFrom-PSUCliXml` (one string) and a pipeline of several
    /// whole documents all work; strings left when input ends are decoded as a last document.
    /// </remarks>
    [Cmdlet(VerbsData.ConvertFrom, "PSUCliXml", DefaultParameterSetName = InputObjectSet)]
    [OutputType(typeof(PSObject))]
    public sealed class ConvertFromPSUCliXmlCommand : PSCmdlet, IDisposable
    {
        private const string InputObjectSet = "InputObject";
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        private readonly CancelHandle cancel = new CancelHandle();
        private readonly StringBuilder pending = new StringBuilder();

        /// <summary>CliXml text: a whole document, or consecutive lines of one.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        [AllowEmptyString]
        public string[] InputObject { get; set; } = Array.Empty<string>();

        /// <summary>CliXml files (wildcards allowed), each streamed from disk.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>CliXml files, taken literally (no wildcards).</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <inheritdoc/>
        protected override void BeginProcessing() => NativeResolver.Register();

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            if (ParameterSetName == InputObjectSet)
            {
                foreach (string text in InputObject)
                {
                    AppendLine(text);
                }

                return;
            }

            foreach (string file in ResolvePaths())
            {
                Decode(() => ClixmlDecoder.OpenPath(file), file);
            }
        }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            if (pending.Length > 0 && !string.IsNullOrWhiteSpace(pending.ToString()))
            {
                DecodePending();
            }
        }

        /// <inheritdoc/>
        protected override void StopProcessing() => cancel.Trigger();

        /// <inheritdoc/>
        public void Dispose() => cancel.Dispose();

        private void AppendLine(string? text)
        {
            if (pending.Length > 0)
            {
                pending.Append('\n');
            }

            pending.Append(text);
            if (EndsDocument(text))
            {
                DecodePending();
            }
        }

        private static bool EndsDocument(string? text)
        {
            ReadOnlySpan<char> trimmed = (text ?? string.Empty).AsSpan().TrimEnd();
            if (trimmed.EndsWith("</Objs>".AsSpan(), StringComparison.Ordinal))
            {
                return true;
            }

            // An empty document written as a single self-closing root.
            ReadOnlySpan<char> start = trimmed.TrimStart();
            return trimmed.EndsWith("/>".AsSpan(), StringComparison.Ordinal) && start.StartsWith("<Objs".AsSpan(), StringComparison.Ordinal)
                && start.IndexOf('>') == start.Length - 1;
        }

        private void DecodePending()
        {
            string document = pending.ToString();
            pending.Clear();
            Decode(() => ClixmlDecoder.OpenText(document), document);
        }

        private IEnumerable<string> ResolvePaths()
        {
            var resolved = new List<string>();
            if (ParameterSetName == LiteralPathSet)
            {
                foreach (string path in LiteralPath)
                {
                    resolved.Add(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));
                }

                return resolved;
            }

            foreach (string path in Path)
            {
                try
                {
                    resolved.AddRange(GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider));
                }
                catch (ItemNotFoundException e)
                {
                    WriteError(new ErrorRecord(e, "PathNotFound", ErrorCategory.ObjectNotFound, path));
                }
            }

            return resolved;
        }

        /// <summary>Decodes one document, writing objects batch by batch; a decode failure is
        /// a non-terminating error for that document only.</summary>
        private void Decode(Func<ClixmlDecoder> open, object target)
        {
            try
            {
                using ClixmlDecoder decoder = open();
                decoder.WriteAll(cancel, WriteObject);
            }
            catch (NativeException e) when (e.IsCancelled)
            {
                // StopProcessing triggered the token; the engine is already stopping the pipeline.
            }
            catch (NativeException e)
            {
                WriteError(new ErrorRecord(e, e.ErrorId, Category(e.ErrorId), target is string s && s.Length > 512 ? s.Substring(0, 512) : target));
            }
            catch (Exception e) when (e is FormatException || e is OverflowException || e is ArgumentException || e is System.Xml.XmlException || e is InvalidOperationException || e is System.Security.Cryptography.CryptographicException)
            {
                // A value the codec accepted that .NET refuses to build (e.g. a DPAPI secure
                // string from another user, a malformed XmlDocument payload).
                WriteError(new ErrorRecord(e, "ClixmlValueInvalid", ErrorCategory.InvalidData, target));
            }
        }

        private static ErrorCategory Category(string errorId) => errorId switch
        {
            "IoError" => ErrorCategory.ReadError,
            "InvalidArgument" => ErrorCategory.InvalidArgument,
            "Panic" => ErrorCategory.NotSpecified,
            _ => ErrorCategory.InvalidData,
        };
    }
}
