// One source, two builds:
//  * The PatchLibTorchSharp MSBuild task: precompiled for netstandard2.0 by BuildTasks/ into the package, and compiled
//    inline by QQuant.Core.targets (RoslynCodeTaskFactory) in a source checkout. It runs inside MSBuild (.NET or
//    .NET Framework), so this file sticks to APIs every MSBuild host has: no Span, no records, no System.Memory.
//  * QQuant.Core compiles it (with QQUANT_CORE defined, which drops the MSBuild task) so that `qquant info` and
//    TorchEnvironment read the same ELF records the build patched.
//
// Why the patch exists: TorchSharp 0.107's libLibTorchSharp.so lists GLIBCXX_3.4.32 (GCC 13) among the versions it
// needs from libstdc++.so.6, but the only symbol bound to it is _ZSt21ios_base_library_initv, a marker that no
// relocation refers to. Debian 12 and Ubuntu 22.04 ship libstdc++ up to GLIBCXX_3.4.30, so the loader refuses the
// library. Setting VER_FLG_WEAK in that one version-need entry lets the loader accept the missing version.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace QQuant.Native
{
    /// <summary>A version that an ELF shared object needs from one of its dependencies (a Vernaux record).</summary>
    internal sealed class ElfVersionNeed
    {
        public const ushort WeakFlag = 0x2;

        public ElfVersionNeed(string file, string version, ushort flags, long flagsOffset)
        {
            File = file;
            Version = version;
            Flags = flags;
            FlagsOffset = flagsOffset;
        }

        /// <summary>The dependency's soname, e.g. libstdc++.so.6.</summary>
        public string File { get; private set; }

        /// <summary>The version name, e.g. GLIBCXX_3.4.32.</summary>
        public string Version { get; private set; }

        /// <summary>vna_flags; bit 0x2 is VER_FLG_WEAK.</summary>
        public ushort Flags { get; private set; }

        /// <summary>File offset of the little-endian vna_flags field.</summary>
        public long FlagsOffset { get; private set; }

        public bool IsWeak { get { return (Flags & WeakFlag) != 0; } }
    }

    /// <summary>The image is not an ELF file this reader understands; the message says why.</summary>
    internal sealed class ElfFormatException : Exception
    {
        public ElfFormatException(string message) : base(message) { }
    }

    /// <summary>
    /// Reads the symbol-versioning sections of a little-endian ELF64 image: what it needs from its dependencies
    /// (.gnu.version_r, SHT_GNU_verneed) and which versions it defines itself (.gnu.version_d, SHT_GNU_verdef).
    /// Layouts follow the ELF and LSB specifications; every read is bounds-checked.
    /// </summary>
    internal sealed class ElfVersionInfo
    {
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const int ElfHeaderSize = 64;
        private const int SectionHeaderSize = 64;
        private const int MaxRecords = 65536;

        private readonly byte[] _image;

        private ElfVersionInfo(byte[] image)
        {
            _image = image;
            Needs = new List<ElfVersionNeed>();
            Definitions = new List<string>();
        }

        public List<ElfVersionNeed> Needs { get; private set; }

        public List<string> Definitions { get; private set; }

        public ElfVersionNeed? FindNeed(string version)
        {
            foreach (ElfVersionNeed need in Needs)
            {
                if (need.Version == version) return need;
            }
            return null;
        }

        public static ElfVersionInfo Read(byte[] image)
        {
            var info = new ElfVersionInfo(image);
            info.Parse();
            return info;
        }

        private void Parse()
        {
            if (_image.Length < ElfHeaderSize || _image[0] != 0x7f || _image[1] != (byte)'E' || _image[2] != (byte)'L' || _image[3] != (byte)'F')
                throw new ElfFormatException("not an ELF file (no \\x7fELF magic)");
            if (_image[4] != 2)
                throw new ElfFormatException("ELF class " + _image[4] + " is not ELF64");
            if (_image[5] != 1)
                throw new ElfFormatException("ELF data encoding " + _image[5] + " is not little-endian");

            ulong shoff = U64(0x28);
            int shentsize = U16(0x3A);
            int shnum = U16(0x3C);
            if (shoff == 0 || shnum == 0)
                throw new ElfFormatException("the file has no section headers");
            if (shentsize < SectionHeaderSize)
                throw new ElfFormatException("section header size " + shentsize + " is smaller than ELF64's " + SectionHeaderSize);
            if (shoff > (ulong)_image.Length || (ulong)shnum * (ulong)shentsize > (ulong)_image.Length - shoff)
                throw new ElfFormatException("the section header table lies outside the file");

            for (int i = 0; i < shnum; i++)
            {
                long header = (long)shoff + (long)i * shentsize;
                uint type = U32(header + 4);
                if (type != ShtGnuVerneed && type != ShtGnuVerdef) continue;

                long start = CheckedRange(U64(header + 24), U64(header + 32), "version section " + i);
                long end = start + (long)U64(header + 32);
                uint link = U32(header + 40);
                uint count = U32(header + 44);
                if (link >= (uint)shnum)
                    throw new ElfFormatException("version section " + i + " links to missing string table " + link);
                long strtabHeader = (long)shoff + (long)link * shentsize;
                long strStart = CheckedRange(U64(strtabHeader + 24), U64(strtabHeader + 32), "string table " + link);
                long strEnd = strStart + (long)U64(strtabHeader + 32);

                if (type == ShtGnuVerneed) ReadNeeds(start, end, count, strStart, strEnd);
                else ReadDefinitions(start, end, count, strStart, strEnd);
            }
        }

        // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
        // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
        private void ReadNeeds(long start, long end, uint count, long strStart, long strEnd)
        {
            long need = start;
            for (uint n = 0; n < count && n < MaxRecords; n++)
            {
                Require(need, 16, start, end, "Verneed record");
                int auxCount = U16(need + 2);
                string file = ReadString(strStart, strEnd, U32(need + 4));
                long aux = need + U32(need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    Require(aux, 16, start, end, "Vernaux record");
                    string version = ReadString(strStart, strEnd, U32(aux + 8));
                    Needs.Add(new ElfVersionNeed(file, version, (ushort)U16(aux + 4), aux + 4));
                    uint nextAux = U32(aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(need + 12);
                if (next == 0) break;
                need += next;
            }
        }

        // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32.
        // Elf64_Verdaux: vda_name u32, vda_next u32. The first Verdaux names the version itself.
        private void ReadDefinitions(long start, long end, uint count, long strStart, long strEnd)
        {
            long def = start;
            for (uint n = 0; n < count && n < MaxRecords; n++)
            {
                Require(def, 20, start, end, "Verdef record");
                if (U16(def + 6) > 0)
                {
                    long aux = def + U32(def + 12);
                    Require(aux, 8, start, end, "Verdaux record");
                    Definitions.Add(ReadString(strStart, strEnd, U32(aux)));
                }
                uint next = U32(def + 16);
                if (next == 0) break;
                def += next;
            }
        }

        private long CheckedRange(ulong offset, ulong size, string what)
        {
            if (offset > (ulong)_image.Length || size > (ulong)_image.Length - offset)
                throw new ElfFormatException(what + " lies outside the file");
            return (long)offset;
        }

        private static void Require(long at, int size, long start, long end, string what)
        {
            if (at < start || at + size > end)
                throw new ElfFormatException("a " + what + " lies outside its section");
        }

        private string ReadString(long strStart, long strEnd, uint offset)
        {
            long at = strStart + offset;
            long stop = at;
            while (stop < strEnd && _image[stop] != 0) stop++;
            if (at >= strEnd || stop >= strEnd)
                throw new ElfFormatException("a version name lies outside its string table");
            return Encoding.ASCII.GetString(_image, (int)at, (int)(stop - at));
        }

        private int U16(long at) { return _image[at] | (_image[at + 1] << 8); }

        private uint U32(long at) { return (uint)U16(at) | ((uint)U16(at + 2) << 16); }

        private ulong U64(long at) { return U32(at) | ((ulong)U32(at + 4) << 32); }
    }

    internal enum LibTorchSharpPatchOutcome
    {
        /// <summary>The GLIBCXX_3.4.32 need was strong and is now weak.</summary>
        Patched,
        /// <summary>The need was already weak (patched before): nothing written.</summary>
        AlreadyWeak,
        /// <summary>The library does not need GLIBCXX_3.4.32: nothing to do.</summary>
        NotRequired,
        /// <summary>No file at the path.</summary>
        FileMissing,
        /// <summary>The file could not be read or patched; it is untouched and Detail says why.</summary>
        NotPatchable,
    }

    internal sealed class LibTorchSharpPatchResult
    {
        public LibTorchSharpPatchResult(LibTorchSharpPatchOutcome outcome, string path, string detail)
        {
            Outcome = outcome;
            Path = path;
            Detail = detail;
        }

        public LibTorchSharpPatchOutcome Outcome { get; private set; }

        public string Path { get; private set; }

        public string Detail { get; private set; }
    }

    /// <summary>Marks the GLIBCXX_3.4.32 need of a libLibTorchSharp.so copy weak, one byte, atomically.</summary>
    internal static class LibTorchSharpPatcher
    {
        public const string FileName = "libLibTorchSharp.so";
        public const string RequiredVersion = "GLIBCXX_3.4.32";

        /// <summary>
        /// Patches the file at <paramref name="path"/>. The change is written to a temporary copy in the same folder
        /// which then replaces the original by rename, so a hard link or symbolic link into the NuGet cache is
        /// replaced rather than written through, and a crash never leaves a half-written library. The copy keeps the
        /// original's permissions and last-write time, so MSBuild's incremental copy does not overwrite it again.
        /// </summary>
        public static LibTorchSharpPatchResult Patch(string path)
        {
            if (!File.Exists(path))
                return new LibTorchSharpPatchResult(LibTorchSharpPatchOutcome.FileMissing, path, "no such file");

            string temporary = path + ".qquant-patch.tmp";
            try
            {
                ElfVersionNeed? need = ElfVersionInfo.Read(File.ReadAllBytes(path)).FindNeed(RequiredVersion);
                if (need == null)
                    return new LibTorchSharpPatchResult(LibTorchSharpPatchOutcome.NotRequired, path, "the library does not need " + RequiredVersion);
                if (need.IsWeak)
                    return new LibTorchSharpPatchResult(LibTorchSharpPatchOutcome.AlreadyWeak, path, RequiredVersion + " is already weak");

                DateTime lastWrite = File.GetLastWriteTimeUtc(path);
                File.Copy(path, temporary, true);
                using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.Write))
                {
                    stream.Position = need.FlagsOffset;
                    stream.WriteByte((byte)((need.Flags | ElfVersionNeed.WeakFlag) & 0xff));
                }
                File.SetLastWriteTimeUtc(temporary, lastWrite);
                File.Replace(temporary, path, null);
                return new LibTorchSharpPatchResult(LibTorchSharpPatchOutcome.Patched, path,
                    "marked the " + RequiredVersion + " need weak (vna_flags at file offset " + need.FlagsOffset + ")");
            }
            catch (Exception e)
            {
                // Whatever went wrong, the original file was not written (only the temporary copy), so report and go on.
                TryDelete(temporary);
                return new LibTorchSharpPatchResult(LibTorchSharpPatchOutcome.NotPatchable, path, e.Message);
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                if (File.Exists(path)) File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}

#if !QQUANT_CORE
namespace QQuant.Build
{
    using Microsoft.Build.Framework;
    using QQuant.Native;

    /// <summary>MSBuild task: patches each libLibTorchSharp.so copy in a build or publish output. Never fails the build.</summary>
    public sealed class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        /// <summary>The libLibTorchSharp.so copies to patch (build or publish output paths).</summary>
        [Required]
        public ITaskItem[] Files { get; set; } = new ITaskItem[0];

        /// <summary>Patches each file and logs the outcome; returns true whatever happened to the files.</summary>
        public override bool Execute()
        {
            foreach (ITaskItem file in Files)
            {
                LibTorchSharpPatchResult result = LibTorchSharpPatcher.Patch(file.GetMetadata("FullPath"));
                switch (result.Outcome)
                {
                    case LibTorchSharpPatchOutcome.Patched:
                        Log.LogMessage(MessageImportance.High,
                            "QQuant: patched {0}: {1}, so TorchSharp loads where libstdc++ predates GCC 13 (opt out with -p:QQuantPatchLibTorchSharp=false).",
                            result.Path, result.Detail);
                        break;
                    case LibTorchSharpPatchOutcome.NotPatchable:
                        Log.LogMessage(MessageImportance.High,
                            "QQuant: left {0} untouched: {1}. TorchSharp may fail to load on systems whose libstdc++ lacks {2}.",
                            result.Path, result.Detail, LibTorchSharpPatcher.RequiredVersion);
                        break;
                    default:
                        Log.LogMessage(MessageImportance.Low, "QQuant: {0}: {1}.", result.Path, result.Detail);
                        break;
                }
            }
            return true;
        }
    }
}
#endif
