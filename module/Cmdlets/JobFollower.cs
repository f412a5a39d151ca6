using System;
using System.Management.Automation;
using System.Text.Json;
using PSUJobs.Client;
using PSUJobs.Models;
using PSUJobs.Native;
using Job = PSUJobs.Models.Job;

namespace PSUJobs
{
    /// <summary>
    /// Follows a job for Wait-PSUJob and Invoke-PSUScript -Wait, on the cmdlet's own thread:
    /// the job's stream records are replayed into the caller's streams, its progress and state
    /// shown with Write-Progress, its prompts asked on the caller's console and answered.
    /// A failed job ends in a terminating error carrying the job's error.
    /// </summary>
    internal sealed class JobFollower
    {
        /// <summary>How long one pull blocks; Ctrl+C interrupts it at once regardless.</summary>
        private const uint PullMilliseconds = 1000;

        private const int WaitActivityId = 0x5053;
        private const int JobActivityId = WaitActivityId + 1;

        private readonly PSUCmdlet cmdlet;
        private readonly string jobReference;
        private readonly bool silent;
        private string? lastError;
        private bool jobProgressShown;

        private JobFollower(PSUCmdlet cmdlet, string jobReference, bool silent)
        {
            this.cmdlet = cmdlet;
            this.jobReference = jobReference;
            this.silent = silent;
        }

        /// <summary>Ends the caller's pipeline the way the job ended: a failed job is a
        /// terminating error, a timed-out or canceled one a non-terminating error. Returns
        /// whether the job's pipeline output should be written.</summary>
        private static bool Report(PSUCmdlet cmdlet, Job job, string? lastError)
        {
            switch (job.Status)
            {
                case JobStatus.Failed:
                    string reason = !string.IsNullOrWhiteSpace(job.Output) ? job.Output! : lastError ?? "the job failed without an error message";
                    cmdlet.ThrowTerminatingError(new ErrorRecord(new RemoteException($"Job {job.Id} ({job.ScriptFullPath}) failed: {reason}"), "JobFailed", ErrorCategory.OperationStopped, job));
                    return false;
                case JobStatus.TimedOut:
                    cmdlet.WriteError(new ErrorRecord(new TimeoutException($"Job {job.Id} ({job.ScriptFullPath}) timed out on the server."), "JobTimedOut", ErrorCategory.OperationTimeout, job));
                    return true;
                case JobStatus.Canceled:
                    cmdlet.WriteError(new ErrorRecord(new OperationCanceledException($"Job {job.Id} ({job.ScriptFullPath}) was canceled."), "JobCanceled", ErrorCategory.OperationStopped, job));
                    return true;
                default:
                    return true;
            }
        }

        /// <summary>Waits for the job to end (a wait failure such as WaitTimeout throws as a
        /// NativeException), then reports how it ended; true when its pipeline output should
        /// be written.</summary>
        internal static bool FollowAndReport(PSUCmdlet cmdlet, string jobReference, int? timeoutSeconds, bool silent)
        {
            var follower = new JobFollower(cmdlet, jobReference, silent);
            Job job = follower.Run(timeoutSeconds);
            follower.CompleteProgress();
            return Report(cmdlet, job, follower.lastError);
        }

        private Job Run(int? timeoutSeconds)
        {
            var options = new WaitOptions { TimeoutSeconds = timeoutSeconds, Silent = silent };
            using JobWait wait = cmdlet.Client.StartWait(jobReference, options);
            while (true)
            {
                WaitEvent? next = wait.Next(PullMilliseconds, cmdlet.Cancel);
                switch (next?.Kind)
                {
                    case null:
                        break;
                    case "output":
                        Replay(Json.Read<JobOutput>(next.Payload));
                        break;
                    case "status":
                        ShowState((JobStatus)next.Payload.GetInt32());
                        break;
                    case "progress":
                        ShowJobProgress(next.Payload);
                        break;
                    case "feedback":
                        Answer(Json.Read<JobFeedback>(next.Payload));
                        break;
                    case "done":
                        return Json.Read<Job>(next.Payload);
                }
            }
        }

        /// <summary>Asks the job's prompt on the console until the server takes the answer. When
        /// the console cannot answer, says so and leaves the prompt to Set-PSUJobFeedback or the
        /// jobs page: the wait goes on.</summary>
        private void Answer(JobFeedback feedback)
        {
            while (true)
            {
                FeedbackResponse? response = FeedbackRelay.Ask(cmdlet.Host.UI, feedback, out string why);
                if (response is null)
                {
                    cmdlet.WriteWarning($"Job {feedback.JobId} waits for an answer to {Describe(feedback)}, which this console cannot give ({why}). Answer it with Set-PSUJobFeedback or on the jobs page; the wait goes on.");
                    return;
                }

                try
                {
                    cmdlet.Client.AnswerFeedback(jobReference, response, cmdlet.Cancel);
                    return;
                }
                catch (NativeException e) when (e.ErrorId == "BadRequest")
                {
                    cmdlet.WriteWarning($"The answer was refused: {e.Message}");
                }
                catch (NativeException e) when (e.ErrorId == "FeedbackNotFound")
                {
                    // Answered elsewhere first (the jobs page, Set-PSUJobFeedback).
                    return;
                }
            }
        }

        private static string Describe(JobFeedback feedback)
        {
            string prompt = !string.IsNullOrEmpty(feedback.Message) ? feedback.Message
                : feedback.Fields.Length > 0 ? string.Join(", ", Array.ConvertAll(feedback.Fields, f => f.Name))
                : feedback.Caption ?? string.Empty;
            return string.IsNullOrEmpty(prompt) ? $"a {feedback.Kind} prompt" : $"\"{prompt}\"";
        }

        /// <summary>Writes a job's stream record into the caller's matching stream.</summary>
        private void Replay(JobOutput record)
        {
            switch (record.Type)
            {
                case OutputType.Error:
                    lastError = record.Message;
                    cmdlet.WriteError(ErrorOf(record));
                    break;
                case OutputType.Warning:
                    cmdlet.WriteWarning(record.Message);
                    break;
                case OutputType.Verbose:
                    cmdlet.WriteVerbose(record.Message);
                    break;
                case OutputType.Debug:
                    cmdlet.WriteDebug(record.Message);
                    break;
                case OutputType.Information:
                    cmdlet.WriteInformation(record.Message, Array.Empty<string>());
                    break;
                case OutputType.Host:
                    // As Write-Host writes it: shown on the console, and capturable with 6>.
                    cmdlet.WriteInformation(
                        new HostInformationMessage
                        {
                            Message = record.Message,
                            ForegroundColor = Color(record.ForegroundColor),
                            BackgroundColor = Color(record.BackgroundColor),
                        },
                        new[] { "PSHOST" });
                    break;
                case OutputType.Progress:
                    // Progress arrives as progress events, from the job's latest state.
                    break;
            }
        }

        private static ConsoleColor? Color(string? name) =>
            Enum.TryParse(name, ignoreCase: true, out ConsoleColor color) ? color : null;

        private static ErrorRecord ErrorOf(JobOutput record)
        {
            ErrorCategory category = Enum.TryParse(record.Category, ignoreCase: true, out ErrorCategory parsed) ? parsed : ErrorCategory.NotSpecified;
            string id = string.IsNullOrEmpty(record.ErrorId) ? "JobError" : record.ErrorId!;
            return new ErrorRecord(new RemoteException(record.Message), id, category, record.TargetName);
        }

        private void ShowState(JobStatus status)
        {
            if (silent)
            {
                return;
            }

            cmdlet.WriteProgress(new ProgressRecord(WaitActivityId, $"Waiting for job {jobReference}", status.ToString()));
        }

        private void ShowJobProgress(JsonElement progress)
        {
            if (silent)
            {
                return;
            }

            string activity = Text(progress, "activity") ?? "Running";
            var record = new ProgressRecord(JobActivityId, activity, Text(progress, "statusDescription") ?? "Processing")
            {
                ParentActivityId = WaitActivityId,
                CurrentOperation = Text(progress, "currentOperation"),
            };
            if (progress.TryGetProperty("percentComplete", out JsonElement percent) && percent.ValueKind == JsonValueKind.Number)
            {
                record.PercentComplete = Math.Max(-1, Math.Min(percent.GetInt32(), 100));
            }

            if (progress.TryGetProperty("secondsRemaining", out JsonElement seconds) && seconds.ValueKind == JsonValueKind.Number)
            {
                record.SecondsRemaining = seconds.GetInt32();
            }

            cmdlet.WriteProgress(record);
            jobProgressShown = true;
        }

        private static string? Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private void CompleteProgress()
        {
            if (silent)
            {
                return;
            }

            if (jobProgressShown)
            {
                cmdlet.WriteProgress(new ProgressRecord(JobActivityId, "Running", "Done") { ParentActivityId = WaitActivityId, RecordType = ProgressRecordType.Completed });
            }

            cmdlet.WriteProgress(new ProgressRecord(WaitActivityId, $"Waiting for job {jobReference}", "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
