using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
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
    /// answer into the FeedbackResponse the server expects.
    /// </summary>
    internal static class FeedbackRelay
    {
        internal static FeedbackResponse Ask(PSHostUserInterface ui, JobFeedback feedback)
        {
            switch (feedback.Kind)
            {
                case FeedbackKind.ReadLine:
                    WritePrompt(ui, feedback.Message);
                    return new FeedbackResponse { Response = ui.ReadLine() };
                case FeedbackKind.SecureString:
                    WritePrompt(ui, feedback.Message);
                    return new FeedbackResponse { Response = Plain(ui.ReadLineAsSecureString()) };
                case FeedbackKind.Choice:
                    return new FeedbackResponse { Choice = ui.PromptForChoice(feedback.Caption, feedback.Message, Choices(feedback), feedback.DefaultChoice ?? -1) };
                case FeedbackKind.Credential:
                    PSCredential? credential = ui.PromptForCredential(feedback.Caption, feedback.Message, string.Empty, string.Empty);
                    return new FeedbackResponse
                    {
                        Responses = new Dictionary<string, string>
                        {
                            ["User"] = credential?.UserName ?? string.Empty,
                            ["Password"] = credential is null ? string.Empty : Plain(credential.Password),
                        },
                    };
                default:
                    return new FeedbackResponse { Responses = Prompt(ui, feedback) };
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

        private static Dictionary<string, string> Prompt(PSHostUserInterface ui, JobFeedback feedback)
        {
            var fields = new Collection<FieldDescription>();
            foreach (FeedbackField field in feedback.Fields)
            {
                var description = new FieldDescription(field.Name);
                description.SetParameterType(FieldType(field));
                fields.Add(description);
            }

            var answers = new Dictionary<string, string>();
            Dictionary<string, PSObject> values = ui.Prompt(feedback.Caption, feedback.Message, fields);
            foreach (KeyValuePair<string, PSObject> pair in values ?? new Dictionary<string, PSObject>())
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
        private static string Plain(SecureString? secret) =>
            secret is null ? string.Empty : new NetworkCredential(string.Empty, secret).Password;
    }
}
