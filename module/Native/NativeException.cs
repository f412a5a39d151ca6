using System;

namespace PSUJobs.Native
{
    /// <summary>A failed psuj_* call: status, stable error id and input position from Rust.</summary>
    public sealed class NativeException : Exception
    {
        internal NativeException(PsujStatus status, string errorId, string message, long position)
            : base(message)
        {
            Status = status.ToString();
            ErrorId = errorId;
            Position = position;
        }

        /// <summary>The PsujStatus name (Failed, Cancelled, InvalidArgument, Panic).</summary>
        public string Status { get; }

        /// <summary>Stable id such as ClixmlInvalid or IoError.</summary>
        public string ErrorId { get; }

        /// <summary>Byte offset into the input the error refers to, or -1.</summary>
        public long Position { get; }

        internal bool IsCancelled => Status == nameof(PsujStatus.Cancelled);
    }
}
