using System;
using System.Runtime.InteropServices;

namespace PSUJobs.Native
{
    /// <summary>A psuj_cancel handle: one per cmdlet invocation, triggered by StopProcessing.</summary>
    internal sealed class CancelHandle : SafeHandle
    {
        internal CancelHandle()
            : base(IntPtr.Zero, ownsHandle: true)
        {
            SetHandle(NativeMethods.psuj_cancel_new());
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        /// <summary>Safe from any thread, any number of times, also after disposal.</summary>
        internal void Trigger()
        {
            bool added = false;
            try
            {
                DangerousAddRef(ref added);
                NativeMethods.psuj_cancel_trigger(handle);
            }
            catch (ObjectDisposedException)
            {
                // Already finished and released: nothing is left to cancel.
            }
            finally
            {
                if (added)
                {
                    DangerousRelease();
                }
            }
        }

        protected override bool ReleaseHandle()
        {
            NativeMethods.psuj_cancel_free(handle);
            return true;
        }
    }

    /// <summary>A psuj_clixml_decoder handle.</summary>
    internal sealed class ClixmlDecoderHandle : SafeHandle
    {
        internal ClixmlDecoderHandle(IntPtr decoder)
            : base(IntPtr.Zero, ownsHandle: true)
        {
            SetHandle(decoder);
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            NativeMethods.psuj_clixml_decoder_free(handle);
            return true;
        }
    }
}
