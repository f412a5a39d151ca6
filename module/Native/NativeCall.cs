using System;
using System.Text;

namespace PSUJobs.Native
{
    /// <summary>Turns a psuj_* status plus its PsujError into a NativeException, and copies
    /// Rust buffers into managed memory before freeing them.</summary>
    internal static unsafe class NativeCall
    {
        /// <summary>Throws when <paramref name="status"/> is not Ok; always frees the error.</summary>
        internal static void Check(PsujStatus status, ref PsujError error)
        {
            try
            {
                if (status != PsujStatus.Ok)
                {
                    string id = Utf8(error.Id);
                    string message = Utf8(error.Message);
                    throw new NativeException(status, id.Length == 0 ? status.ToString() : id, message.Length == 0 ? status.ToString() : message, error.Position);
                }
            }
            finally
            {
                fixed (PsujError* e = &error)
                {
                    NativeMethods.psuj_error_free(e);
                }
            }
        }

        internal static string Utf8(PsujBuffer buffer) =>
            buffer.Ptr == null ? string.Empty : Encoding.UTF8.GetString(buffer.Ptr, checked((int)buffer.Len));

        /// <summary>The native library version, which also proves it loads.</summary>
        internal static string Version()
        {
            PsujBuffer buffer = default;
            PsujError error = default;
            Check(NativeMethods.psuj_version(&buffer, &error), ref error);
            try
            {
                return Utf8(buffer);
            }
            finally
            {
                NativeMethods.psuj_buffer_free(&buffer);
            }
        }
    }
}
