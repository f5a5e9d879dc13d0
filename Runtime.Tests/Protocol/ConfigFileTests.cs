using Runcs.Errors;
using Runcs.Oci;
using Runcs.Protocol;
using Xunit;

namespace Runcs.Tests.Protocol;

/// <summary>
/// config.bin is read back by later commands, maybe of another runcs build: a file this build
/// did not write is never decoded (the caller falls back to the bundle's config), a damaged
/// one is a <see cref="RuntimeError"/>, never garbage or another exception.
/// </summary>
public sealed class ConfigFileTests
{
    private static Spec Sample() => SpecLoader.ParseSpec("config.json", """
        {"ociVersion": "1.2.0", "process": {"args": ["sh"], "cwd": "/", "env": ["A=1"], "user": {"uid": 1, "gid": 2}},
         "root": {"path": "rootfs"}, "mounts": [{"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid"]}],
         "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}], "maskedPaths": ["/proc/kcore"], "cgroupsPath": "/x"}}
        """);

    [Fact]
    public void Config_bin_starts_with_the_header_and_reads_back()
    {
        var spec = Sample();
        byte[] data = SpecCodec.Encode(spec);
        Assert.Equal("runcscfg"u8.ToArray(), data[..8]);
        Assert.Equal(SpecCodec.Layout, BitConverter.ToUInt32(data, 8));
        var back = SpecCodec.Decode(data, out string? otherFormat);
        Assert.Null(otherFormat);
        Assert.Equal(SpecJson.Serialize(spec), SpecJson.Serialize(back!));
        Assert.Equal("/x", back!.Linux!.CgroupsPath); // what `delete` of a killed create removes
    }

    [Fact]
    public void A_config_bin_of_another_layout_is_not_decoded()
    {
        byte[] data = SpecCodec.Encode(Sample());
        BitConverter.TryWriteBytes(data.AsSpan(8), SpecCodec.Layout ^ 1);
        Assert.Null(SpecCodec.Decode(data, out string? otherFormat));
        Assert.Equal($"it was written by another version of runcs (layout {SpecCodec.Layout ^ 1:x8}, this runcs reads {SpecCodec.Layout:x8})", otherFormat);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(11)]
    public void A_config_bin_without_the_header_is_not_decoded(int length)
    {
        byte[] data = SpecCodec.Encode(Sample())[..length];
        Assert.Null(SpecCodec.Decode(data, out string? otherFormat));
        Assert.Equal("it has no runcs config header", otherFormat);
        // What a runcs from before the header wrote: the config right away.
        var old = new Runcs.Text.CompactWriter();
        SpecCodec.Write(old, Sample());
        Assert.Null(SpecCodec.Decode(old.Written.ToArray(), out _));
    }

    [Fact]
    public void Every_truncation_and_trailing_bytes_are_damage()
    {
        byte[] data = SpecCodec.Encode(Sample());
        for (int n = 12; n < data.Length; n++)
        {
            var e = Assert.Throws<RuntimeError>(() => SpecCodec.Decode(data[..n], out _));
            Assert.StartsWith("damaged (compact binary data: truncated", e.Message);
        }
        Assert.Equal("damaged (compact binary data: trailing bytes)",
            Assert.Throws<RuntimeError>(() => SpecCodec.Decode([.. data, 0], out _)).Message);
    }

    /// <summary>Random bytes after a valid header, and bytes of a valid file changed at random:
    /// a spec, or a RuntimeError, never another exception (no huge allocation from a wild count).</summary>
    [Fact]
    public void Random_damage_ends_in_a_spec_or_an_error()
    {
        var random = new Random(18);
        byte[] valid = SpecCodec.Encode(Sample());
        for (int run = 0; run < 2000; run++)
        {
            byte[] data;
            if (run % 2 == 0)
            {
                data = new byte[random.Next(12, 400)];
                random.NextBytes(data);
                valid.AsSpan(0, 12).CopyTo(data);
            }
            else
            {
                data = (byte[])valid.Clone();
                for (int i = random.Next(1, 4); i > 0; i--)
                    data[random.Next(12, data.Length)] = (byte)random.Next(256);
            }
            try
            {
                SpecCodec.Decode(data, out _);
            }
            catch (RuntimeError)
            {
            }
        }
    }
}
