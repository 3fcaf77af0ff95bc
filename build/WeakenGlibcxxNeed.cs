// MSBuild inline task (compiled by RoslynCodeTaskFactory): see PatchLibTorchSharp.targets.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class TransferSharpWeakenGlibcxxNeed : Task
{
    [Required] public string Directory { get; set; } = "";
    [Required] public string Version { get; set; } = "";

    private static readonly string[] LibStdCxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    public override bool Execute()
    {
        if (!System.IO.Directory.Exists(Directory)) return true;
        string[] targets =
            System.IO.Directory.GetFiles(Directory, "libLibTorchSharp.so", SearchOption.AllDirectories);
        if (targets.Length == 0) return true;
        string system = Array.Find(LibStdCxxCandidates, File.Exists);
        if (system == null)
        {
            Log.LogMessage(
                MessageImportance.Normal,
                "TransferSharp: no system libstdc++ found; libLibTorchSharp.so left as is."
            );
            return true;
        }
        if (Contains(File.ReadAllBytes(system), Encoding.ASCII.GetBytes(Version + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, $"TransferSharp: {system} provides {Version}; no patch needed.");
            return true;
        }
        foreach (string target in targets)
        {
            byte[] elf = File.ReadAllBytes(target);
            int changed;
            try { changed = MarkWeak(elf, Version); }
            catch (Exception e)
            {
                Log.LogWarning($"TransferSharp: could not read ELF {target}: {e.Message}");
                continue;
            }
            if (changed == 0) continue; // already weak, or no such need
            string temp = target + ".patching";
            File.WriteAllBytes(temp, elf);
            File.Delete(target);
            File.Move(temp, target);
            Log.LogMessage(
                MessageImportance.High,
                $"TransferSharp: marked the {Version} need weak in {target} (system libstdc++ lacks it)."
            );
        }
        return true;
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on every Vernaux entry naming <paramref name="version"/>; returns how many changed.
    /// </summary>
    public static int MarkWeak(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("only 64-bit little-endian ELF is supported");
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        const uint SHT_GNU_verneed = 0x6ffffffe;
        int changed = 0;
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            uint type = BitConverter.ToUInt32(elf, (int)sh + 4);
            if (type != SHT_GNU_verneed) continue;
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            uint link = BitConverter.ToUInt32(elf, (int)sh + 0x28);
            long strSh = shoff + (long)link * shentsize;
            long strOffset = BitConverter.ToInt64(elf, (int)strSh + 0x18);
            long need = offset;
            while (true)
            {
                int count = BitConverter.ToUInt16(elf, (int)need + 2);
                uint auxOffset = BitConverter.ToUInt32(elf, (int)need + 8);
                uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                long aux = need + auxOffset;
                for (int a = 0; a < count; a++)
                {
                    uint name = BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadString(elf, strOffset + name) == version)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & 0x2) == 0)
                        {
                            flags |= 0x2; // VER_FLG_WEAK
                            elf[aux + 4] = (byte)(flags & 0xff);
                            elf[aux + 5] = (byte)(flags >> 8);
                            changed++;
                        }
                    }
                    uint auxNext = BitConverter.ToUInt32(elf, (int)aux + 12);
                    if (auxNext == 0) break;
                    aux += auxNext;
                }
                if (next == 0) break;
                need += next;
            }
        }
        return changed;
    }

    private static string ReadString(byte[] elf, long start)
    {
        long end = start;
        while (end < elf.Length && elf[end] != 0) end++;
        return Encoding.ASCII.GetString(elf, (int)start, (int)(end - start));
    }
}
