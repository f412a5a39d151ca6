using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Net;
using System.Security;
using PSUJobs.Client;
using PSUJobs.Models;

namespace PSUJobs
{
    /// <summary>
    /// Asks a job's prompt on the caller's console, with the same host call the job made
    /// (Read-Host -Prompt is a one-field Prompt, -AsSecureString a secure field), and turns the
    /// answer into the FeedbackResponse the server expects. A console that cannot answer
    /// (non-interactive, or its input at an end) gives no answer rather than an empty one, so
    /// that the job keeps waiting for one from elsewhere.
    /// </summary>
    internal static class FeedbackRelay
    {
        /// <summary>The answer, or null with <paramref name="why"/> when the console gave none.</summary>
        internal static FeedbackResponse? Ask(PSHostUserInterface ui, JobFeedback feedback, out string why)
        {
            why = "its input has ended";
            try
            {
                return AskOn(ui, feedback);
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                // NonInteractive mode (PSInvalidOperationException), a host without a console,
                // or the console's own failure at the end of redirected input.
                why = e.Message;
                return null;
            }
        }

        private static FeedbackResponse? AskOn(PSHostUserInterface ui, JobFeedback feedback)
        {
            switch (feedback.Kind)
            {
                case FeedbackKind.ReadLine:
                    WritePrompt(ui, feedback.Message);
                    string? line = ui.ReadLine();
                    return line is null ? null : new FeedbackResponse { Response = line };
                case FeedbackKind.SecureString:
                    WritePrompt(ui, feedback.Message);
                    SecureString? secret = ui.ReadLineAsSecureString();
                    return secret is null ? null : new FeedbackResponse { Response = Plain(secret) };
                case FeedbackKind.Choice:
                    return new FeedbackResponse { Choice = ui.PromptForChoice(feedback.Caption, feedback.Message, Choices(feedback), feedback.DefaultChoice ?? -1) };
                case FeedbackKind.Credential:
                    PSCredential? credential = ui.PromptForCredential(feedback.Caption, feedback.Message, string.Empty, string.Empty);
                    return credential is null ? null : new FeedbackResponse
                    {
                        Responses = new Dictionary<string, string>
                        {
                            ["User"] = credential.UserName ?? string.Empty,
                            ["Password"] = Plain(credential.Password),
                        },
                    };
                default:
                    Dictionary<string, string>? answers = Prompt(ui, feedback);
                    return answers is null ? null : new FeedbackResponse { Responses = answers };
            }
        }

        private static void WritePrompt(PSHostUserInterface ui, string message)
        {
            if (!string.IsNullOrEmpty(message))
            {
                ui.Write(message + ": ");
            }
        }

        private static Collection<ChoiceDescription> Choices(JobFeedback feedback)
        {
            var choices = new Collection<ChoiceDescription>();
            foreach (FeedbackChoice choice in feedback.Choices)
            {
                choices.Add(string.IsNullOrEmpty(choice.HelpMessage) ? new ChoiceDescription(choice.Label) : new ChoiceDescription(choice.Label, choice.HelpMessage));
            }

            return choices;
        }

        private static Dictionary<string, string>? Prompt(PSHostUserInterface ui, JobFeedback feedback)
        {
            var fields = new Collection<FieldDescription>();
            foreach (FeedbackField field in feedback.Fields)
            {
                var description = new FieldDescription(field.Name);
                description.SetParameterType(FieldType(field));
                fields.Add(description);
            }

            var answers = new Dictionary<string, string>();
            Dictionary<string, PSObject>? values = ui.Prompt(feedback.Caption, feedback.Message, fields);
            if (values is null || feedback.Fields.Any(f => !values.ContainsKey(f.Name)))
            {
                return null;
            }

            foreach (KeyValuePair<string, PSObject> pair in values)
            {
                switch (pair.Value?.BaseObject)
                {
                    case SecureString secret:
                        answers[pair.Key] = Plain(secret);
                        break;
                    case PSCredential credential:
                        answers[pair.Key] = credential.UserName;
                        answers["Password"] = Plain(credential.Password);
                        break;
                    default:
                        answers[pair.Key] = pair.Value?.ToString() ?? string.Empty;
                        break;
                }
            }

            return answers;
        }

        private static Type FieldType(FeedbackField field)
        {
            if (field.IsSecure)
            {
                return typeof(SecureString);
            }

            return field.Type switch
            {
                "System.Management.Automation.PSCredential" => typeof(PSCredential),
                _ => typeof(string),
            };
        }

        /// <summary>The server takes every answer as text (over TLS when the server uses it).</summary>
        internal static string Plain(SecureString secret) => new NetworkCredential(string.Empty, secret).Password;
    }
}
