// A PowerShell host whose operator is a script: it answers ReadLine, ReadLineAsSecureString
// and Prompt from a queue of answers and records what it was asked, so tests can drive the
// job-prompt relay (Wait-PSUJob) through real host calls without a console.
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace PSUJobsTests
{
    public sealed class ScriptedHost : PSHost
    {
        private readonly ScriptedUI ui;
        private readonly Guid id = Guid.NewGuid();

        public ScriptedHost(string[] answers)
        {
            ui = new ScriptedUI(answers);
        }

        public override string Name => "PSUJobsScriptedHost";
        public override Version Version => new Version(1, 0);
        public override Guid InstanceId => id;
        public override PSHostUserInterface UI => ui;
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
        public override void SetShouldExit(int exitCode) { }
        public override void EnterNestedPrompt() => throw new NotSupportedException();
        public override void ExitNestedPrompt() => throw new NotSupportedException();
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
    }

    public sealed class ScriptedUI : PSHostUserInterface
    {
        private readonly Queue<string> answers;

        public ScriptedUI(string[] answers)
        {
            this.answers = new Queue<string>(answers);
        }

        /// <summary>Every prompt message or field name asked, in order.</summary>
        public List<string> Asked { get; } = new List<string>();

        public int Unanswered => answers.Count;

        /// <summary>Everything written to the host, for diagnosing a failed test.</summary>
        public List<string> Written { get; } = new List<string>();

        private string Next(string asked)
        {
            Asked.Add(asked);
            if (answers.Count == 0)
            {
                throw new InvalidOperationException("the script has no answer for: " + asked);
            }
            return answers.Dequeue();
        }

        private static SecureString Secure(string text)
        {
            var secure = new SecureString();
            foreach (char c in text)
            {
                secure.AppendChar(c);
            }
            secure.MakeReadOnly();
            return secure;
        }

        public override PSHostRawUserInterface RawUI => null;
        public override string ReadLine() => Next("ReadLine");
        public override SecureString ReadLineAsSecureString() => Secure(Next("ReadLineAsSecureString"));

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
        {
            var values = new Dictionary<string, PSObject>();
            foreach (FieldDescription field in descriptions)
            {
                string answer = Next(field.Name);
                bool secure = field.ParameterTypeFullName == typeof(SecureString).FullName;
                values[field.Name] = new PSObject(secure ? Secure(answer) : (object)answer);
            }
            return values;
        }

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => throw new NotSupportedException();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();

        public override void Write(string value) => Written.Add(value);
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Written.Add(value);
        public override void WriteLine(string value) => Written.Add(value);
        public override void WriteErrorLine(string value) => Written.Add(value);
        public override void WriteDebugLine(string message) => Written.Add(message);
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) => Written.Add(message);
        public override void WriteWarningLine(string message) => Written.Add(message);
    }
}
