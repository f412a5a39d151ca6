using System.Management.Automation;
using PSUJobs.Native;

namespace PSUJobs
{
    /// <summary>Native failures as ErrorRecords: the client's stable id becomes the
    /// FullyQualifiedErrorId (e.g. "ServerUnreachable,PSUJobs.GetPSUJobCommand").</summary>
    internal static class PSUErrors
    {
        internal static ErrorRecord Record(NativeException e, object? target) =>
            new ErrorRecord(e, e.ErrorId, Category(e.ErrorId), target);

        /// <summary>Failures of the connection itself rather than of one job or script.</summary>
        internal static bool IsConnectionFailure(string errorId) =>
            errorId is "ServerUnreachable" or "TlsFailure" or "Unauthorized" or "RequestTimeout" or "IntegratedRefused";

        internal static ErrorCategory Category(string errorId) => errorId switch
        {
            "ServerUnreachable" => ErrorCategory.ConnectionError,
            "TlsFailure" => ErrorCategory.SecurityError,
            "Unauthorized" or "Forbidden" or "IntegratedRefused" => ErrorCategory.PermissionDenied,
            "JobNotFound" or "ScriptNotFound" or "FeedbackNotFound" or "NotFound" => ErrorCategory.ObjectNotFound,
            "BadRequest" or "InvalidArgument" => ErrorCategory.InvalidArgument,
            "RequestTimeout" or "WaitTimeout" => ErrorCategory.OperationTimeout,
            "BadResponse" or "ClixmlInvalid" => ErrorCategory.InvalidResult,
            "Cancelled" => ErrorCategory.OperationStopped,
            _ => ErrorCategory.NotSpecified,
        };
    }
}
