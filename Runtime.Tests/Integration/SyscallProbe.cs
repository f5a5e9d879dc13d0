using Xunit;

namespace Runcs.Tests.Integration;

/// <summary>
/// A tiny static program for the rootfs, `probe NR [ARG...]`: makes syscall NR with the given
/// arguments and prints "ok" or "errno N". busybox cannot make an arbitrary syscall; seccomp
/// tests need exact numbers and arguments. `probe mempolicy` prints get_mempolicy's mode (with
/// its flags) and first word of nodes: "mode M nodes N". Compiled once per test run with gcc -static.
/// </summary>
public static class SyscallProbe
{
    private const string Source = """
        #include <errno.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <unistd.h>
        #include <string.h>
        #include <sys/syscall.h>
        int main(int argc, char **argv) {
            if (argc == 2 && strcmp(argv[1], "mempolicy") == 0) {
                int mode = -1;
                unsigned long nodes[16] = {0};
                if (syscall(SYS_get_mempolicy, &mode, nodes, 16 * 64 + 1, 0, 0) < 0) { printf("errno %d\n", errno); return 0; }
                printf("mode %d nodes %lu\n", mode, nodes[0]);
                return 0;
            }
            long a[6] = {0};
            for (int i = 2; i < argc && i < 8; i++) a[i - 2] = strtol(argv[i], 0, 0);
            long r = syscall(strtol(argv[1], 0, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
            if (r < 0) printf("errno %d\n", errno); else printf("ok\n");
            return 0;
        }
        """;

    private static readonly Lazy<string?> Binary = new(() =>
    {
        if (!File.Exists("/usr/bin/gcc"))
            return null;
        // next to the test assembly: nothing left in /tmp
        string dir = Path.Combine(AppContext.BaseDirectory, "syscall-probe");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "probe.c"), Source);
        var r = RuncsBinary.Exec("/usr/bin/gcc", ["-static", "-O2", "-o", Path.Combine(dir, "probe"), Path.Combine(dir, "probe.c")]);
        return r.ExitCode == 0 ? Path.Combine(dir, "probe") : null;
    });

    /// <summary>Puts the probe at /bin/probe in the bundle's rootfs, or skips the test.</summary>
    public static void Install(Bundle b)
    {
        string? probe = Binary.Value;
        Assert.SkipWhen(probe is null, "no static gcc to build the syscall probe");
        File.Copy(probe!, Path.Combine(b.Rootfs, "bin", "probe"));
    }
}
