// The native-library fix for TorchSharp 0.107 on systems whose libstdc++ predates GLIBCXX_3.4.32 (Debian 12).
// Compiled by MSBuild's RoslynCodeTaskFactory from E3Sharp.targets (the package's buildTransitive targets, which
// this repository's own build imports too), so it needs nothing but the .NET SDK; the tests compile the same file
// with E3SHARP_ELF_ONLY (no MSBuild types) and run it on the real library. Plain C# on purpose: the task factory
// compiles it against netstandard.
//
// libLibTorchSharp.so was linked against GCC 13's libstdc++ and needs GLIBCXX_3.4.32 for one symbol only,
// std::ios_base_library_init() (_ZSt21ios_base_library_initv), which GCC 13's <iostream> references to pull in the
// iostream initialiser: no relocation uses it, so nothing calls it. The loader still refuses the file for the
// version requirement. The edit, on the copy in a build or publish output folder (never the NuGet cache):
//   1. the symbol's .gnu.version entry becomes 1 (global, unversioned), as patchelf --clear-symbol-version does;
//   2. the GLIBCXX_3.4.32 entry of .gnu.version_r gets VER_FLG_WEAK, so a missing version is no error.
// It refuses when a relocation refers to the symbol (a shim library would be needed then), and is idempotent.
#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace E3Sharp.Build
{
    /// <summary>Finds and edits copies of libLibTorchSharp.so so that they load with an older libstdc++.</summary>
    public static class LibTorchSharpElfFix
    {
        /// <summary>The file name of TorchSharp's native library.</summary>
        public const string LibraryName = "libLibTorchSharp.so";

        /// <summary>The one symbol the library takes from GLIBCXX_3.4.32.</summary>
        public const string Symbol = "_ZSt21ios_base_library_initv";

        /// <summary>The symbol version older libstdc++ lacks.</summary>
        public const string Version = "GLIBCXX_3.4.32";

        /// <summary>The weak flag of a version need (vna_flags).</summary>
        public const ushort VerFlagWeak = 0x2;

        private const uint ShtRela = 4, ShtRel = 9, ShtDynsym = 11, ShtGnuVerneed = 0x6FFFFFFE, ShtGnuVersym = 0x6FFFFFFF;

        /// <summary>The path of the libstdc++.so.6 the dynamic loader resolves (ldconfig's cache), or null.</summary>
        public static string? SystemLibstdcxx()
        {
            foreach (var ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" })
            {
                if (!File.Exists(ldconfig))
                {
                    continue;
                }

                try
                {
                    var info = new ProcessStartInfo(ldconfig, "-p") { RedirectStandardOutput = true, UseShellExecute = false };
                    using var p = Process.Start(info);
                    if (p is null)
                    {
                        continue;
                    }

                    var output = p.StandardOutput.ReadToEnd();
                    p.WaitForExit();
                    foreach (var raw in output.Split('\n'))
                    {
                        var line = raw.Trim();
                        if (line.StartsWith("libstdc++.so.6 ", StringComparison.Ordinal) &&
                            (line.Contains("x86-64") || line.Contains("AArch64")))
                        {
                            var at = line.LastIndexOf("=>", StringComparison.Ordinal);
                            var path = line.Substring(at + 2).Trim();
                            if (File.Exists(path))
                            {
                                return path;
                            }
                        }
                    }
                }
                catch (Exception e) when (e is System.ComponentModel.Win32Exception || e is InvalidOperationException || e is IOException)
                {
                }
            }

            foreach (var candidate in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6" })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        /// <summary>Whether the libstdc++ at <paramref name="libstdcxx"/> lacks GLIBCXX_3.4.32 (no libstdc++: false).</summary>
        public static bool NeedsFix(string? libstdcxx)
        {
            if (libstdcxx is null || !File.Exists(libstdcxx))
            {
                return false;
            }

            return IndexOf(File.ReadAllBytes(libstdcxx), Encoding.ASCII.GetBytes(Version + "\0")) < 0;
        }

        /// <summary>
        /// Patches every libLibTorchSharp.so under <paramref name="folder"/> when <paramref name="libstdcxx"/> needs it.
        /// </summary>
        /// <returns>The files that were changed.</returns>
        public static IReadOnlyList<string> FixFolder(string folder, string? libstdcxx)
        {
            var changed = new List<string>();
            if (!Directory.Exists(folder) || !NeedsFix(libstdcxx))
            {
                return changed;
            }

            foreach (var path in Directory.EnumerateFiles(folder, LibraryName, SearchOption.AllDirectories))
            {
                if (Patch(path) == PatchResult.Patched)
                {
                    changed.Add(path);
                }
            }

            return changed;
        }

        /// <summary>What <see cref="Patch"/> did.</summary>
        public enum PatchResult
        {
            /// <summary>The file was edited.</summary>
            Patched,

            /// <summary>The file already had both edits.</summary>
            AlreadyPatched,

            /// <summary>The file has no symbol versioning.</summary>
            NoVersioning,
        }

        /// <summary>Applies the two edits to the ELF file at <paramref name="path"/> (atomically: a new file replaces it).</summary>
        /// <exception cref="InvalidDataException">Not a little-endian ELF64 file, or a relocation uses the symbol.</exception>
        public static PatchResult Patch(string path)
        {
            var data = File.ReadAllBytes(path);
            var result = Patch(data, path);
            if (result == PatchResult.Patched)
            {
                // A new file, renamed over the old one: the output copy may be a hard link into the NuGet cache.
                var tmp = path + ".e3sharp-tmp";
                File.WriteAllBytes(tmp, data);
                File.Replace(tmp, path, null);
            }

            return result;
        }

        /// <summary>The state of the two edits in an ELF image.</summary>
        /// <returns>The symbol's .gnu.version entry (null: no such symbol) and the GLIBCXX_3.4.32 need's flags (null: none).</returns>
        public static (ushort? SymbolVersion, ushort? NeedFlags) State(byte[] data)
        {
            var elf = new Elf(data, "image");
            ushort? version = null, flags = null;
            if (elf.Dynsym is null || elf.Versym is null || elf.Verneed is null)
            {
                return (null, null);
            }

            var index = elf.SymbolIndex(Symbol);
            if (index >= 0)
            {
                version = U16(data, elf.Versym.Offset + 2 * index);
            }

            foreach (var aux in elf.VersionNeedAux())
            {
                if (aux.Name == Version)
                {
                    flags = U16(data, aux.Offset + 4);
                }
            }

            return (version, flags);
        }

        private static PatchResult Patch(byte[] data, string path)
        {
            var elf = new Elf(data, path);
            if (elf.Dynsym is null || elf.Versym is null || elf.Verneed is null)
            {
                return PatchResult.NoVersioning;
            }

            var changed = false;
            var index = elf.SymbolIndex(Symbol);
            if (index >= 0)
            {
                var dynsymIndex = elf.Sections.IndexOf(elf.Dynsym);
                foreach (var s in elf.Sections)
                {
                    if ((s.Type == ShtRela || s.Type == ShtRel) && s.Link == dynsymIndex)
                    {
                        var step = s.Type == ShtRela ? 24 : 16;
                        for (var off = s.Offset; off + step <= s.Offset + s.Size; off += step)
                        {
                            if ((U64(data, off + 8) >> 32) == (ulong)index)
                            {
                                throw new InvalidDataException($"{path}: a relocation uses {Symbol}; a shim library providing it would be needed.");
                            }
                        }
                    }
                }

                var at = elf.Versym.Offset + 2 * index;
                if (U16(data, at) != 1)
                {
                    Put16(data, at, 1);
                    changed = true;
                }
            }

            foreach (var aux in elf.VersionNeedAux())
            {
                var flags = U16(data, aux.Offset + 4);
                if (aux.Name == Version && (flags & VerFlagWeak) == 0)
                {
                    Put16(data, aux.Offset + 4, (ushort)(flags | VerFlagWeak));
                    changed = true;
                }
            }

            return changed ? PatchResult.Patched : PatchResult.AlreadyPatched;
        }

        private sealed class Section
        {
            public uint Type;
            public long Offset;
            public long Size;
            public int Link;
        }

        private readonly struct Aux
        {
            public Aux(long offset, string name)
            {
                Offset = offset;
                Name = name;
            }

            public long Offset { get; }

            public string Name { get; }
        }

        // The section headers of a little-endian ELF64 file and the three sections the edit needs.
        private sealed class Elf
        {
            private readonly byte[] data;

            public Elf(byte[] data, string path)
            {
                this.data = data;
                if (data.Length < 64 || data[0] != 0x7F || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F' || data[4] != 2 || data[5] != 1)
                {
                    throw new InvalidDataException($"{path}: not a little-endian ELF64 file.");
                }

                var shoff = (long)U64(data, 0x28);
                int shentsize = U16(data, 0x3A), shnum = U16(data, 0x3C);
                for (var i = 0; i < shnum; i++)
                {
                    var h = shoff + (long)i * shentsize;
                    var s = new Section { Type = U32(data, h + 4), Offset = (long)U64(data, h + 24), Size = (long)U64(data, h + 32), Link = (int)U32(data, h + 40) };
                    Sections.Add(s);
                    if (s.Type == ShtDynsym && Dynsym is null)
                    {
                        Dynsym = s;
                    }
                    else if (s.Type == ShtGnuVersym && Versym is null)
                    {
                        Versym = s;
                    }
                    else if (s.Type == ShtGnuVerneed && Verneed is null)
                    {
                        Verneed = s;
                    }
                }
            }

            public List<Section> Sections { get; } = new List<Section>();

            public Section? Dynsym { get; }

            public Section? Versym { get; }

            public Section? Verneed { get; }

            public int SymbolIndex(string name)
            {
                var dynstr = Sections[Dynsym!.Link];
                var count = Dynsym.Size / 24;
                for (var i = 0; i < count; i++)
                {
                    if (CString(data, dynstr.Offset + U32(data, Dynsym.Offset + 24 * i)) == name)
                    {
                        return i;
                    }
                }

                return -1;
            }

            public IEnumerable<Aux> VersionNeedAux()
            {
                var strings = Sections[Verneed!.Link];
                var off = Verneed.Offset;
                while (true)
                {
                    int count = U16(data, off + 2);
                    var aux = off + U32(data, off + 8);
                    var next = U32(data, off + 12);
                    for (var i = 0; i < count; i++)
                    {
                        yield return new Aux(aux, CString(data, strings.Offset + U32(data, aux + 8)));
                        var auxNext = U32(data, aux + 12);
                        if (auxNext == 0)
                        {
                            break;
                        }

                        aux += auxNext;
                    }

                    if (next == 0)
                    {
                        yield break;
                    }

                    off += next;
                }
            }
        }

        private static ushort U16(byte[] d, long o) => (ushort)(d[o] | d[o + 1] << 8);

        private static uint U32(byte[] d, long o) => (uint)(d[o] | d[o + 1] << 8 | d[o + 2] << 16 | d[o + 3] << 24);

        private static ulong U64(byte[] d, long o) => U32(d, o) | (ulong)U32(d, o + 4) << 32;

        private static void Put16(byte[] d, long o, ushort v)
        {
            d[o] = (byte)v;
            d[o + 1] = (byte)(v >> 8);
        }

        private static string CString(byte[] d, long o)
        {
            var end = o;
            while (d[end] != 0)
            {
                end++;
            }

            return Encoding.ASCII.GetString(d, (int)o, (int)(end - o));
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (var i = 0; i + needle.Length <= haystack.Length; i++)
            {
                var j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j])
                {
                    j++;
                }

                if (j == needle.Length)
                {
                    return i;
                }
            }

            return -1;
        }
    }

#if !E3SHARP_ELF_ONLY
    /// <summary>
    /// MSBuild task: patches the libLibTorchSharp.so copies under <see cref="Folders"/> when the system libstdc++
    /// lacks GLIBCXX_3.4.32; does nothing elsewhere.
    /// </summary>
    public sealed class E3SharpFixLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        /// <summary>Output folders (build and publish) to search.</summary>
        [Microsoft.Build.Framework.Required]
        public string[] Folders { get; set; } = Array.Empty<string>();

        /// <inheritdoc />
        public override bool Execute()
        {
            string? libstdcxx = null;
            var looked = false;
            foreach (var folder in Folders)
            {
                if (!Directory.Exists(folder) || !HasLibrary(folder))
                {
                    continue;
                }

                if (!looked)
                {
                    libstdcxx = LibTorchSharpElfFix.SystemLibstdcxx();
                    looked = true;
                }

                try
                {
                    foreach (var path in LibTorchSharpElfFix.FixFolder(folder, libstdcxx))
                    {
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                            $"E3Sharp: patched {path} for a libstdc++ without {LibTorchSharpElfFix.Version} ({libstdcxx})");
                    }
                }
                catch (InvalidDataException e)
                {
                    Log.LogError($"E3Sharp: {e.Message}");
                }
            }

            return !Log.HasLoggedErrors;
        }

        private static bool HasLibrary(string folder)
        {
            using var files = Directory.EnumerateFiles(folder, LibTorchSharpElfFix.LibraryName, SearchOption.AllDirectories).GetEnumerator();
            return files.MoveNext();
        }
    }
#endif
}
