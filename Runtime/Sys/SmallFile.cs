using System.Runtime.InteropServices;
using System.Text;

namespace Runcs.Sys;

/// <summary>
/// Whole-file reads with plain open/read/close, for the small files (procfs, cgroupfs, state)
/// runcs reads on every start. File.ReadAll* costs a short-lived process its FileStream
/// machinery (flock, fstat, buffers) the first time, about 0.2 ms. The exceptions are those of
/// File.ReadAll*, so callers keep their catch clauses.
/// </summary>
public static unsafe class SmallFile
{
    public static byte[] ReadAllBytes(string path)
    {
        int fd = LibC.open(path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0);
        if (fd < 0)
            throw ToException(path, Marshal.GetLastPInvokeError());
        try
        {
            // procfs and cgroupfs report size 0: read until EOF, growing the buffer.
            return ReadToEnd(fd, path, new byte[4096], grow: true);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    /// <summary>
    /// A file someone else may have put in runcs's way (its own state files, a container's
    /// /etc/passwd): it must be a regular file (a FIFO, /dev/zero or a directory is refused;
    /// O_NONBLOCK keeps a FIFO's open from blocking), at most <paramref name="maxBytes"/> long,
    /// and with <paramref name="noFollow"/> not a symlink. Refusals are IOExceptions that say why.
    /// </summary>
    public static byte[] ReadRegular(string path, int maxBytes, bool noFollow)
    {
        var flags = OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK | (noFollow ? OpenFlags.O_NOFOLLOW : 0);
        int fd = LibC.open(path, flags, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno == Errno.ELOOP ? new IOException($"{path}: is a symlink", errno) : ToException(path, errno);
        }
        try
        {
            var st = FileStat.Fstat(fd);
            if (FileStat.KindOf(st.Mode) != FileKind.Regular)
                throw new IOException($"{path}: not a regular file");
            if (st.Size > maxBytes)
                throw new IOException($"{path}: larger than {maxBytes} bytes");
            // One byte more than its size: a file that fills it grew while it was read.
            return ReadToEnd(fd, path, new byte[st.Size + 1], grow: false);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    /// <summary>Reads fd to EOF into <paramref name="buffer"/>, doubling it when full if
    /// <paramref name="grow"/>, otherwise refusing a file that fills it.</summary>
    private static byte[] ReadToEnd(int fd, string path, byte[] buffer, bool grow)
    {
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (!grow)
                    throw new IOException($"{path}: grew while it was read");
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            nint n;
            fixed (byte* p = buffer)
                n = LibC.read(fd, p + length, buffer.Length - length);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                    continue;
                throw ToException(path, errno);
            }
            if (n == 0)
                return buffer.AsSpan(0, length).ToArray();
            length += (int)n;
        }
    }

    public static string ReadAllText(string path) => Encoding.UTF8.GetString(ReadAllBytes(path));

    /// <summary>As File.ReadAllLines: split on \n (a \r before it dropped), no empty last line.</summary>
    public static string[] ReadAllLines(string path) => SplitLines(ReadAllText(path));

    /// <summary>Lines as <see cref="ReadAllLines"/> cuts them.</summary>
    public static string[] SplitLines(string text)
    {
        if (text.EndsWith('\n'))
            text = text[..^1];
        if (text.Length == 0)
            return [];
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].EndsWith('\r'))
                lines[i] = lines[i][..^1];
        return lines;
    }

    private static Exception ToException(string path, int errno)
    {
        string message = $"{path}: {SysError.Describe(errno)}";
        return errno switch
        {
            Errno.ENOENT => new FileNotFoundException(message, path),
            Errno.ENOTDIR => new DirectoryNotFoundException(message),
            Errno.EACCES or Errno.EPERM => new UnauthorizedAccessException(message),
            _ => new IOException(message, errno),
        };
    }
}
