using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;

namespace PSUJobs.Native
{
    /// <summary>
    /// Loads psujobs_native from the module's own runtimes/&lt;rid&gt;/native folder. PowerShell's
    /// built-in RID probing expects no "lib" prefix and regressed in 7.4 on Unix, so the module
    /// owns the lookup. How the file is loaded differs by runtime and lives in NativeLoader
    /// (one file for .NET, one for Windows PowerShell 5.1's .NET Framework).
    /// </summary>
    public sealed class NativeResolver : IModuleAssemblyInitializer
    {
        private static readonly object Gate = new object();
        private static bool registered;

        /// <summary>Called by PowerShell when the module is imported.</summary>
        public void OnImport() => Register();

        /// <summary>Registers the loader once per process (re-imports reuse the assembly).</summary>
        internal static void Register()
        {
            // Every cmdlet call comes here: once registered, no lock.
            if (Volatile.Read(ref registered))
            {
                return;
            }

            lock (Gate)
            {
                if (registered)
                {
                    return;
                }

                NativeLoader.Install(LibraryPath(typeof(NativeResolver).Assembly));
                Volatile.Write(ref registered, true);
            }
        }

        /// <summary>The error for a module folder without the library for this platform.</summary>
        internal static DllNotFoundException Missing(string path) => new DllNotFoundException(
            $"PSUJobs native library not found at '{path}'. The module folder is incomplete or this platform is not supported.");

        /// <summary>The expected native library path for this process's OS and architecture.</summary>
        internal static string LibraryPath(Assembly assembly)
        {
            string root = Path.GetDirectoryName(assembly.Location) ?? AppContext.BaseDirectory;
            string os, file;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                os = "win";
                file = "psujobs_native.dll";
            }
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            {
                os = "osx";
                file = "libpsujobs_native.dylib";
            }
            else
            {
                os = "linux";
                file = "libpsujobs_native.so";
            }

            string arch = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                Architecture.X86 => "x86",
                Architecture.Arm => "arm",
                var other => other.ToString().ToLowerInvariant(),
            };
            return Path.Combine(root, "runtimes", $"{os}-{arch}", "native", file);
        }
    }
}
