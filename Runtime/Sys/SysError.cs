using System.Runtime.InteropServices;
using Runcs.Errors;

namespace Runcs.Sys;

/// <summary>A failed system call, worded as Go's os/syscall errors are ("mkdir /x: permission denied").</summary>
public sealed class SysError : RuntimeError
{
    public SysError(string operation, int errno) : base($"{operation}: {Describe(errno)}") => Errno = errno;

    public int Errno { get; }

    /// <summary>strerror() in Go's spelling: lower-case first letter.</summary>
    public static string Describe(int errno)
    {
        string text = Marshal.GetPInvokeErrorMessage(errno);
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : $"errno {errno}";
    }

    public static SysError Last(string operation) => new(operation, Marshal.GetLastPInvokeError());
}
