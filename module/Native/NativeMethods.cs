using System;
using System.Runtime.InteropServices;

namespace PSUJobs.Native
{
    /// <summary>Status codes every psuj_* export returns (mirrors PsujStatus in psujobs.h).</summary>
    internal enum PsujStatus
    {
        Ok = 0,
        InvalidArgument = 1,
        Failed = 2,
        Cancelled = 3,
        Panic = 4,
    }

    /// <summary>A Rust-owned byte buffer; released with psuj_buffer_free.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct PsujBuffer
    {
        public byte* Ptr;
        public nuint Len;
        public nuint Cap;
    }

    /// <summary>Failure details filled in by a failed call; released with psuj_error_free.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PsujError
    {
        public PsujStatus Status;
        public long Position;
        public PsujBuffer Id;
        public PsujBuffer Message;
    }

    /// <summary>
    /// P/Invoke declarations mirroring native/ffi/include/psujobs.h. Signatures are blittable
    /// (pointers, integers, sequential structs) so no marshalling stubs run per call.
    /// </summary>
    internal static unsafe class NativeMethods
    {
        internal const string LibraryName = "psujobs_native";

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void psuj_buffer_free(PsujBuffer* buffer);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void psuj_error_free(PsujError* error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_version(PsujBuffer* outBuffer, PsujError* error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr psuj_cancel_new();

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void psuj_cancel_trigger(IntPtr cancel);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void psuj_cancel_free(IntPtr cancel);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_clixml_decoder_open_path(byte* path, nuint pathLen, IntPtr* outDecoder, PsujError* error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_clixml_decoder_open_bytes(byte* bytes, nuint len, IntPtr* outDecoder, PsujError* error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_clixml_decoder_next(IntPtr decoder, nuint maxBytes, IntPtr cancel, PsujBuffer* outBuffer, PsujError* error);

        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void psuj_clixml_decoder_free(IntPtr decoder);
    }
}
