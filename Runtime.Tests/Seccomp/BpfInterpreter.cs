using Runcs.Seccomp;

namespace Runcs.Tests.Seccomp;

/// <summary>
/// A classic BPF interpreter for seccomp programs (the subset the kernel's seccomp checker
/// allows): runs a program over a struct seccomp_data and returns the SECCOMP_RET value.
/// </summary>
public static class BpfInterpreter
{
    /// <summary>struct seccomp_data: nr, arch, instruction_pointer, args[6].</summary>
    public static byte[] Data(uint arch, uint nr, params ulong[] args)
    {
        var data = new byte[64];
        BitConverter.TryWriteBytes(data.AsSpan(0), nr);
        BitConverter.TryWriteBytes(data.AsSpan(4), arch);
        for (int i = 0; i < args.Length; i++)
            BitConverter.TryWriteBytes(data.AsSpan(16 + 8 * i), args[i]);
        return data;
    }

    public static uint Run(SockFilter[] program, byte[] data) => Run(program, data, out _);

    /// <summary>Runs the program; <paramref name="executed"/> counts the instructions executed.</summary>
    public static uint Run(SockFilter[] program, byte[] data, out int executed)
    {
        uint a = 0, x = 0;
        var mem = new uint[16];
        int pc = 0;
        for (int steps = 0; ; steps++)
        {
            if (pc < 0 || pc >= program.Length)
                throw new InvalidOperationException($"pc {pc} out of the program ({program.Length})");
            if (steps > program.Length)
                throw new InvalidOperationException("a backward jump or a loop");
            var ins = program[pc++];
            executed = steps + 1;
            int cls = ins.Code & 0x07;
            switch (cls)
            {
                case 0x00: // LD
                    a = (ins.Code & 0xe0) switch
                    {
                        0x20 when (ins.Code & 0x18) == 0 => Word(data, ins.K), // ABS, W
                        0x00 => ins.K, // IMM
                        0x60 => mem[ins.K], // MEM
                        _ => throw new InvalidOperationException($"bad LD 0x{ins.Code:x}"),
                    };
                    break;
                case 0x01: // LDX
                    x = (ins.Code & 0xe0) switch { 0x00 => ins.K, 0x60 => mem[ins.K], _ => throw new InvalidOperationException($"bad LDX 0x{ins.Code:x}") };
                    break;
                case 0x02: mem[ins.K] = a; break; // ST
                case 0x03: mem[ins.K] = x; break; // STX
                case 0x04: // ALU
                {
                    uint src = (ins.Code & 0x08) != 0 ? x : ins.K;
                    a = (ins.Code & 0xf0) switch
                    {
                        0x00 => a + src, 0x10 => a - src, 0x20 => a * src, 0x30 => a / src,
                        0x40 => a | src, 0x50 => a & src, 0x60 => a << (int)src, 0x70 => a >> (int)src,
                        0x80 => (uint)-(int)a, 0xa0 => a ^ src,
                        _ => throw new InvalidOperationException($"bad ALU 0x{ins.Code:x}"),
                    };
                    break;
                }
                case 0x05: // JMP
                {
                    uint src = (ins.Code & 0x08) != 0 ? x : ins.K;
                    int op = ins.Code & 0xf0;
                    if (op == 0x00) { pc += (int)ins.K; break; }
                    bool cond = op switch
                    {
                        0x10 => a == src, 0x20 => a > src, 0x30 => a >= src, 0x40 => (a & src) != 0,
                        _ => throw new InvalidOperationException($"bad JMP 0x{ins.Code:x}"),
                    };
                    pc += cond ? ins.Jt : ins.Jf;
                    break;
                }
                case 0x06: // RET
                    return (ins.Code & 0x18) == 0x10 ? a : ins.K;
                case 0x07: // MISC
                    if (ins.Code == 0x07) x = a; else a = x;
                    break;
            }
        }
    }

    private static uint Word(byte[] data, uint offset)
    {
        if (offset % 4 != 0 || offset + 4 > data.Length)
            throw new InvalidOperationException($"load at {offset}");
        return BitConverter.ToUInt32(data, (int)offset);
    }
}
