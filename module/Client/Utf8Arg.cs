using System;
using System.Runtime.InteropServices;
using System.Text;

namespace PSUJobs.Client
{
    /// <summary>A string argument copied to unmanaged UTF-8 memory, so its pointer stays valid
    /// inside the lambdas that make native calls (a `fixed` pointer cannot be captured).</summary>
    internal sealed unsafe class Utf8Arg : IDisposable
    {
        private IntPtr memory;

        internal Utf8Arg(string? text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text ?? string.Empty);
            Len = (nuint)bytes.Length;
            memory = Marshal.AllocHGlobal(Math.Max(bytes.Length, 1));
            Marshal.Copy(bytes, 0, memory, bytes.Length);
        }

        internal byte* Ptr => (byte*)memory;

        internal nuint Len { get; }

        public void Dispose()
        {
            if (memory != IntPtr.Zero)
            {
                Marshal.FreeHGlobal(memory);
                memory = IntPtr.Zero;
            }
        }
    }
}
