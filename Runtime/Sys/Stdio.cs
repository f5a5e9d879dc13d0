using System.Text;

namespace Runcs.Sys;

/// <summary>
/// Output through write(2) on fds 1 and 2. System.Console would initialise terminal and
/// signal handling in the runtime, costing start-up time and touching SIGCHLD.
/// </summary>
public static unsafe class Stdio
{
    public static void Out(string text) => WriteAll(1, text);
    public static void Error(string text) => WriteAll(2, text);

    public static void WriteAll(int fd, string text) => WriteAll(fd, Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Writes all of data (short writes and EINTR retried); 0, or the errno that stopped it.
    /// For stdout and stderr callers ignore it: with the reader gone (EPIPE) nothing is left to do.
    /// </summary>
    public static int WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = LibC.write(fd, p + done, data.Length - done);
                if (n < 0)
                {
                    int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                        continue;
                    return errno;
                }
                done += (int)n;
            }
        }
        return 0;
    }
}
