using Runcs.Sys;
using Xunit;

namespace Runcs.Tests.Sys;

/// <summary>SCM_RIGHTS through a socketpair: exactly the fds sent arrive, whatever their count.</summary>
public sealed unsafe class UnixSocketTests
{
    private static (int, int) Pair()
    {
        int* sv = stackalloc int[2];
        Assert.Equal(0, LibC.socketpair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */ | 0x80000 /* SOCK_CLOEXEC */, 0, sv));
        return (sv[0], sv[1]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(9)]
    public void Fds_sent_are_the_fds_received(int count)
    {
        var (a, b) = Pair();
        var sent = Enumerable.Range(0, count).Select(_ => LibC.open("/dev/null", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0)).ToArray();
        try
        {
            UnixSocket.SendFds(a, sent, [(byte)'J'], "test fds");
            byte[] data = new byte[8];
            Assert.Equal(1, UnixSocket.ReceiveFds(b, data, 16, out int[] received));
            Assert.Equal((byte)'J', data[0]);
            Assert.Equal(count, received.Length);
            foreach (int fd in received)
            {
                Assert.Equal(FileKind.CharDevice, FileStat.KindOf(FileStat.Fstat(fd).Mode));
                LibC.close(fd);
            }
        }
        finally
        {
            foreach (int fd in sent.Append(a).Append(b))
                LibC.close(fd);
        }
    }

    [Fact]
    public void One_fd_and_its_payload()
    {
        var (a, b) = Pair();
        int fd = LibC.open("/dev/null", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0);
        try
        {
            UnixSocket.SendFd(a, fd, "/dev/pts/7", "terminal master");
            var (got, payload) = UnixSocket.ReceiveFd(b);
            Assert.Equal("/dev/pts/7", payload);
            Assert.Equal(FileKind.CharDevice, FileStat.KindOf(FileStat.Fstat(got).Mode));
            LibC.close(got);
        }
        finally
        {
            foreach (int f in new[] { fd, a, b })
                LibC.close(f);
        }
    }
}
