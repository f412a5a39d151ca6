using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;

namespace PSUJobs.Native
{
    /// <summary>Windows PowerShell 5.1 (.NET Framework, Windows only) has no NativeLibrary: the
    /// library is loaded once by its full path, and Windows then binds every
    /// [DllImport("psujobs_native")] to the module already loaded under that name.</summary>
    internal static class NativeLoader
    {
        internal static void Install(string path)
        {
            if (!File.Exists(path))
            {
                throw NativeResolver.Missing(path);
            }

            if (LoadLibraryW(path) == IntPtr.Zero)
            {
                throw new DllNotFoundException($"PSUJobs native library '{path}' could not be loaded: {new Win32Exception(Marshal.GetLastWin32Error()).Message}");
            }
        }

        [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern IntPtr LoadLibraryW(string path);
    }
}
