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

    /// <summary>An owned native handle, invalid when null; each subclass names its free call.</summary>
    internal abstract class NativeHandle : SafeHandle
    {
        protected NativeHandle(IntPtr value)
            : base(IntPtr.Zero, ownsHandle: true)
        {
            SetHandle(value);
        }

        public override bool IsInvalid => handle == IntPtr.Zero;
    }

    /// <summary>A psuj_clixml_decoder handle.</summary>
    internal sealed class ClixmlDecoderHandle : NativeHandle
    {
        internal ClixmlDecoderHandle(IntPtr decoder)
            : base(decoder)
        {
        }

        protected override bool ReleaseHandle()
        {
            NativeMethods.psuj_clixml_decoder_free(handle);
            return true;
        }
    }
}
