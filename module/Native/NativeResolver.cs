using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace PSUJobs.Native
{
    /// <summary>
    /// Loads psujobs_native from the module's own runtimes/&lt;rid&gt;/native folder. PowerShell's
    /// built-in RID probing expects no "lib" prefix and regressed in 7.4 on Unix, so the module
    /// owns the lookup. This is the only .NET-Core-specific loader piece (NativeLibrary); a
    /// Windows PowerShell 5.1 build would replace this file with a LoadLibrary preload.
    /// </summary>
    public sealed class NativeResolver : IModuleAssemblyInitializer
    {
        private static readonly object Gate = new object();
        private static bool registered;

        /// <summary>Called by PowerShell when the module is imported.</summary>
        public void OnImport() => Register();

        /// <summary>Registers the resolver once per process (re-imports reuse the assembly).</summary>
        internal static void Register()
        {
            lock (Gate)
            {
                if (registered)
                {
                    return;
                }

                NativeLibrary.SetDllImportResolver(typeof(NativeResolver).Assembly, Resolve);
                registered = true;
            }
        }

        private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (name != NativeMethods.LibraryName)
            {
                return IntPtr.Zero;
            }

            string path = LibraryPath(assembly);
            if (!File.Exists(path))
            {
                throw new DllNotFoundException(
                    $"PSUJobs native library not found at '{path}'. The module folder is incomplete or this platform ({RuntimeInformation.RuntimeIdentifier}) is not supported.");
            }

            return NativeLibrary.Load(path);
        }

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
