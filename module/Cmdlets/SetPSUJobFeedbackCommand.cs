using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using PSUJobs.Client;
using PSUJobs.Models;

namespace PSUJobs
{
    /// <summary>
    /// Set-PSUJobFeedback: answers a job's prompt. -Response is text for Read-Host (also
    /// -AsSecureString) and one-field prompts; for a choice prompt it is the choice's label or
    /// index; for a credential prompt use -Credential; for a prompt of several fields,
    /// -Responses by field name.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "PSUJobFeedback")]
    [OutputType(typeof(void))]
    public sealed class SetPSUJobFeedbackCommand : PSUCmdlet
    {
        /// <summary>The prompt, from Get-PSUJobFeedback.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public JobFeedback? JobFeedback { get; set; }

        /// <summary>The answer.</summary>
        [Parameter(Position = 1)]
        [AllowEmptyString]
        public string? Response { get; set; }

        /// <summary>The answer to a Get-Credential prompt.</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>Answers by field name, for a prompt of several fields (its Fields list
        /// them). A SecureString value is sent as its text, as -Response sends an answer to
        /// Read-Host -AsSecureString.</summary>
        [Parameter]
        public IDictionary? Responses { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            JobFeedback feedback = JobFeedback!;
            Run(feedback, () => Client.AnswerFeedback(feedback.JobReference, Answer(feedback), Cancel));
        }

        private FeedbackResponse Answer(JobFeedback feedback)
        {
            // Whatever the prompt, fields given by name are sent as they are: the server
            // says which it lacks or does not know, and the prompt keeps waiting.
            if (Responses != null)
            {
                return new FeedbackResponse { Responses = Fields(Responses) };
            }

            switch (feedback.Kind)
            {
                case FeedbackKind.Choice:
                    return new FeedbackResponse { Choice = ChoiceIndex(feedback) };
                case FeedbackKind.Credential:
                    return new FeedbackResponse
                    {
                        Responses = new Dictionary<string, string>
                        {
                            ["User"] = Credential?.UserName ?? string.Empty,
                            ["Password"] = Credential?.GetNetworkCredential().Password ?? Response ?? string.Empty,
                        },
                    };
                default:
                    return new FeedbackResponse { Response = Response ?? string.Empty };
            }
        }

        private static Dictionary<string, string> Fields(IDictionary responses)
        {
            var fields = new Dictionary<string, string>();
            foreach (DictionaryEntry entry in responses)
            {
                object? value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
                fields[entry.Key.ToString() ?? string.Empty] = value switch
                {
                    null => string.Empty,
                    SecureString secure => FeedbackRelay.Plain(secure),
                    _ => LanguagePrimitives.ConvertTo<string>(value),
                };
            }

            return fields;
        }

        /// <summary>A choice by index, or by label with or without its `&amp;` hotkey marker.</summary>
        private int? ChoiceIndex(JobFeedback feedback)
        {
            if (int.TryParse(Response, out int index))
            {
                return index;
            }

            for (int i = 0; i < feedback.Choices.Length; i++)
            {
                if (string.Equals(feedback.Choices[i].Label.Replace("&", string.Empty), Response, System.StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }

            ThrowTerminatingError(new ErrorRecord(new PSArgumentException($"'{Response}' is not one of the choices: {string.Join(", ", System.Array.ConvertAll(feedback.Choices, c => c.Label))}"), "InvalidChoice", ErrorCategory.InvalidArgument, Response));
            return null;
        }
    }
}
