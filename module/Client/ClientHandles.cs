using System;
using System.Runtime.InteropServices;
using PSUJobs.Native;

namespace PSUJobs.Client
{
    /// <summary>A psuj_client handle: one per server connection, shared by every cmdlet call.</summary>
    internal sealed class ClientHandle : NativeHandle
    {
        internal ClientHandle(IntPtr client)
            : base(client)
        {
        }

        protected override bool ReleaseHandle()
        {
            ClientNativeMethods.psuj_client_free(handle);
            return true;
        }
    }

    /// <summary>A psuj_wait handle; releasing it stops the wait (never the job).</summary>
    internal sealed class WaitHandle : NativeHandle
    {
        internal WaitHandle(IntPtr wait)
            : base(wait)
        {
        }

        protected override bool ReleaseHandle()
        {
            ClientNativeMethods.psuj_wait_free(handle);
            return true;
        }
    }

    /// <summary>Keeps a SafeHandle alive across one native call (DangerousAddRef/Release).</summary>
    internal ref struct HandleLease
    {
        private readonly SafeHandle handle;
        private bool added;

        internal HandleLease(SafeHandle handle)
        {
            this.handle = handle;
            added = false;
            handle.DangerousAddRef(ref added);
        }

        internal IntPtr Value => handle.DangerousGetHandle();

        public void Dispose()
        {
            if (added)
            {
                handle.DangerousRelease();
                added = false;
            }
        }
    }
}
