using System.Runtime.InteropServices;
using Runcs.Errors;
using Runcs.Sys;

namespace Runcs.Init;

/// <summary>
/// Resolves a path inside a root directory the way the kernel would if that directory were
/// "/": symlinks are followed relative to the root and ".." stops at it. A mount target in
/// an image can thus never point outside the container's rootfs (e.g. a symlink to /etc).
/// </summary>
public static class SecureJoin
{
    private const int MaxSymlinks = 255;

    public static string Resolve(ISyscalls sys, string root, string unsafePath)
    {
        root = root.TrimEnd('/');
        var resolved = new List<string>();
        var pending = new Stack<string>(Split(unsafePath).Reverse());
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part == "..")
            {
                if (resolved.Count > 0)
                    resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            string candidate = root + "/" + string.Join('/', resolved.Append(part));
            string? target = sys.ReadLink(candidate);
            if (target is null)
            {
                resolved.Add(part);
                continue;
            }
            if (++links > MaxSymlinks)
                throw new RuntimeError($"securejoin {unsafePath}: too many levels of symbolic links");
            if (target.StartsWith('/'))
                resolved.Clear();
            foreach (string p in Split(target).Reverse())
                pending.Push(p);
        }
        return resolved.Count == 0 ? root : root + "/" + string.Join('/', resolved);
    }

    /// <summary>root joined with the path cleaned lexically (".." stops at root), symlinks not followed.</summary>
    public static string Lexical(string root, string unsafePath)
    {
        var parts = new List<string>();
        foreach (string part in Split(unsafePath))
        {
            if (part != "..")
                parts.Add(part);
            else if (parts.Count > 0)
                parts.RemoveAt(parts.Count - 1);
        }
        root = root.TrimEnd('/');
        return parts.Count == 0 ? root : root + "/" + string.Join('/', parts);
    }

    private static IEnumerable<string> Split(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".");

    /// <summary>
    /// Opens (O_PATH) an already resolved path below root through rootFd, the way the kernel
    /// resolves inside a chroot: openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS), the last
    /// component not followed. A directory swapped for a symlink since the path was resolved
    /// can then redirect it only inside the root. Without openat2 (before Linux 5.6), a walk
    /// of O_PATH|O_NOFOLLOW opens refuses any symlink on the way.
    /// </summary>
    public static int OpenInRoot(ISyscalls sys, int rootFd, string root, string resolvedPath)
    {
        int fd = TryOpenInRoot(sys, rootFd, Relative(root, resolvedPath));
        if (fd < 0)
            throw new SysError($"open {resolvedPath}", -fd);
        return fd;
    }

    /// <summary><see cref="OpenInRoot"/> of a path relative to the root; -errno on failure.</summary>
    private static int TryOpenInRoot(ISyscalls sys, int rootFd, string relative)
    {
        int fd = sys.OpenAt2(rootFd, relative, OpenFlags.O_NOFOLLOW, MountApi.RESOLVE_IN_ROOT | MountApi.RESOLVE_NO_MAGICLINKS);
        return fd == -Errno.ENOSYS ? WalkWithoutSymlinks(sys, rootFd, relative) : fd;
    }

    private static string Relative(string root, string path)
    {
        root = root.TrimEnd('/');
        if (path == root)
            return ".";
        if (!path.StartsWith(root + "/", StringComparison.Ordinal))
            throw new RuntimeError($"{path} is not inside {root}");
        return path[(root.Length + 1)..];
    }

    private static int WalkWithoutSymlinks(ISyscalls sys, int rootFd, string relative)
    {
        const int flags = OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC;
        var parts = Split(relative).ToList();
        int current = sys.OpenAt(rootFd, ".", flags, 0);
        if (current < 0)
            return -Marshal.GetLastPInvokeError();
        for (int i = 0; i < parts.Count; i++)
        {
            int next;
            if (parts[i] == "..")
                next = -Errno.ELOOP; // a resolved path has none: refuse rather than climb
            else if ((next = sys.OpenAt(current, parts[i], flags, 0)) < 0)
                next = -Marshal.GetLastPInvokeError();
            sys.Close(current);
            if (next < 0)
                return next;
            if (i < parts.Count - 1 && FileStat.KindOf(sys.Fstat(next).Mode) == FileKind.Symlink)
            {
                sys.Close(next);
                return -Errno.ELOOP;
            }
            current = next;
        }
        return current;
    }

    /// <summary>
    /// MkdirAll through fds: each missing directory is made inside its parent opened with
    /// <see cref="OpenInRoot"/>, so a concurrent symlink swap cannot make it outside the root.
    /// </summary>
    public static void MkdirAllInRoot(ISyscalls sys, int rootFd, string root, string resolvedPath, uint mode = 0x1ed /* 0755 */)
    {
        root = root.TrimEnd('/');
        // Most targets exist: one open says so.
        int existing = TryOpenInRoot(sys, rootFd, Relative(root, resolvedPath));
        if (existing >= 0)
        {
            bool isDirectory = FileStat.KindOf(sys.Fstat(existing).Mode) == FileKind.Directory;
            sys.Close(existing);
            if (isDirectory)
                return;
        }
        string current = root;
        foreach (string part in Split(Relative(root, resolvedPath)))
        {
            string next = current + "/" + part;
            int fd = TryOpenInRoot(sys, rootFd, Relative(root, next));
            if (fd >= 0)
            {
                bool isDirectory = FileStat.KindOf(sys.Fstat(fd).Mode) == FileKind.Directory;
                sys.Close(fd);
                if (!isDirectory)
                    throw new SysError($"mkdir {next}", Errno.ENOTDIR);
            }
            else if (fd == -Errno.ENOENT)
            {
                int parent = OpenInRoot(sys, rootFd, root, current);
                try
                {
                    if (sys.TryMkdir($"/proc/self/fd/{parent}/{part}", mode) < 0 && Marshal.GetLastPInvokeError() != Errno.EEXIST)
                        throw SysError.Last($"mkdir {next}");
                }
                finally
                {
                    sys.Close(parent);
                }
            }
            else
                throw new SysError($"open {next}", -fd);
            current = next;
        }
    }

    /// <summary>Creates an empty file (a bind target) inside its parent opened with <see cref="OpenInRoot"/>.</summary>
    public static void CreateFileInRoot(ISyscalls sys, int rootFd, string root, string resolvedPath, uint mode)
    {
        int parent = OpenInRoot(sys, rootFd, root, Path.GetDirectoryName(resolvedPath)!);
        try
        {
            int fd = sys.OpenAt(parent, Path.GetFileName(resolvedPath),
                OpenFlags.O_CREAT | OpenFlags.O_WRONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, mode);
            if (fd < 0)
                throw SysError.Last($"open {resolvedPath}");
            sys.Close(fd);
        }
        finally
        {
            sys.Close(parent);
        }
    }

    /// <summary>Creates every missing directory of an already resolved path below root.</summary>
    public static void MkdirAll(ISyscalls sys, string root, string resolvedPath, uint mode = 0x1ed /* 0755 */)
    {
        root = root.TrimEnd('/');
        if (!resolvedPath.StartsWith(root + "/", StringComparison.Ordinal))
            return;
        string current = root;
        foreach (string part in resolvedPath[(root.Length + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current += "/" + part;
            if (sys.Kind(current) is FileKind kind)
            {
                if (kind != FileKind.Directory)
                    throw new SysError($"mkdir {current}", Errno.ENOTDIR);
                continue;
            }
            sys.Mkdir(current, mode);
        }
    }
}
