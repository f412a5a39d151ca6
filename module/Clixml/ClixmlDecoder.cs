using System;
using System.Collections.Generic;
using System.Text;
using PSUJobs.Native;

namespace PSUJobs.Clixml
{
    /// <summary>
    /// One CliXml document being decoded by psujobs_native: pulls bounded batches (so a huge
    /// file never sits in memory whole) and turns each into objects.
    /// </summary>
    internal sealed unsafe class ClixmlDecoder : IDisposable
    {
        /// <summary>Batch budget: large enough that per-call overhead vanishes (a few thousand
        /// objects), small enough to bound memory. The native side decodes the next batch on
        /// its own thread while this one is built; its first batch, the only one waited for in
        /// full, is a small one so that objects start flowing down the pipeline at once.</summary>
        private const int BatchBytes = 256 * 1024;

        private readonly ClixmlDecoderHandle handle;
        private readonly WireReader reader = new WireReader();

        private ClixmlDecoder(IntPtr decoder)
        {
            handle = new ClixmlDecoderHandle(decoder);
        }

        /// <summary>Streams the file at a provider-resolved filesystem path.</summary>
        internal static ClixmlDecoder OpenPath(string path)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(path);
            IntPtr decoder;
            PsujError error = default;
            fixed (byte* p = utf8)
            {
                NativeCall.Check(NativeMethods.psuj_clixml_decoder_open_path(p, (nuint)utf8.Length, &decoder, &error), ref error);
            }

            return new ClixmlDecoder(decoder);
        }

        /// <summary>Decodes a document held in memory (copied by the native side).</summary>
        internal static ClixmlDecoder OpenText(string document)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(document);
            IntPtr decoder;
            PsujError error = default;
            fixed (byte* p = utf8)
            {
                NativeCall.Check(NativeMethods.psuj_clixml_decoder_open_bytes(p, (nuint)utf8.Length, &decoder, &error), ref error);
            }

            return new ClixmlDecoder(decoder);
        }

        /// <summary>Takes ownership of a decoder the native client opened (a job's pipeline output).</summary>
        internal static ClixmlDecoder Adopt(IntPtr decoder) => new ClixmlDecoder(decoder);

        /// <summary>Decodes the rest of the document, handing each top-level value to
        /// <paramref name="write"/> as soon as it is built.</summary>
        internal void WriteAll(CancelHandle cancel, Action<object?> write)
        {
            while (NextBatch(cancel, write) > 0)
            {
            }
        }

        /// <summary>Decodes and writes the next batch; returns its value count (0 at the end).</summary>
        private uint NextBatch(CancelHandle cancel, Action<object?> write)
        {
            PsujBuffer buffer = default;
            PsujError error = default;
            bool decoderRef = false, cancelRef = false;
            try
            {
                handle.DangerousAddRef(ref decoderRef);
                cancel.DangerousAddRef(ref cancelRef);
                PsujStatus status = NativeMethods.psuj_clixml_decoder_next(
                    handle.DangerousGetHandle(), (nuint)BatchBytes, cancel.DangerousGetHandle(), &buffer, &error);
                NativeCall.Check(status, ref error);
                return reader.ReadBatch(buffer.Ptr, checked((int)buffer.Len), write);
            }
            finally
            {
                NativeMethods.psuj_buffer_free(&buffer);
                if (cancelRef)
                {
                    cancel.DangerousRelease();
                }

                if (decoderRef)
                {
                    handle.DangerousRelease();
                }
            }
        }

        public void Dispose() => handle.Dispose();
    }
}
