using System;
using System.IO;
using System.Runtime.InteropServices;

namespace PSUJobs.Native
{
    /// <summary>.NET (PowerShell 7): a DllImport resolver that answers for the one library
    /// name with the module's own file, loaded on first use.</summary>
    internal static class NativeLoader
    {
        internal static void Install(string path) =>
            NativeLibrary.SetDllImportResolver(typeof(NativeLoader).Assembly, (name, assembly, searchPath) =>
            {
                if (name != NativeMethods.LibraryName)
                {
                    return IntPtr.Zero;
                }

                if (!File.Exists(path))
                {
                    throw NativeResolver.Missing(path);
                }

                return NativeLibrary.Load(path);
            });
    }
}
