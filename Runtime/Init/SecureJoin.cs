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
