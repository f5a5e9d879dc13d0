using Runcs.Cli;

namespace Runcs.Commands;

/// <summary>
/// Flags several verbs declare alike (runc repeats them in each verb's file): names, usage and
/// default are written here once, and each verb binds its own property. A null setter is a flag
/// that is parsed and never read (checkpoint and restore, which runcs refuses).
/// </summary>
internal static class SharedFlags
{
    public static StringFlag<T> Bundle<T>(Action<T, string> set) =>
        new("bundle, b", "path to the root of the bundle directory, defaults to the current directory", set);

    /// <summary>spec's and restore's --bundle, whose usage does not mention the default.</summary>
    public static StringFlag<T> BundleNoDefault<T>(Action<T, string>? set = null) =>
        new("bundle, b", "path to the root of the bundle directory", set);

    public static StringFlag<T> ConsoleSocket<T>(Action<T, string>? set = null) => new("console-socket",
        "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal", set);

    public static StringFlag<T> PidFile<T>(Action<T, string>? set = null) =>
        new("pid-file", "specify the file to write the process id to", set);

    public static BoolFlag<T> NoPivot<T>(Action<T, bool>? set = null) => new("no-pivot",
        "do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk", set);

    public static BoolFlag<T> NoNewKeyring<T>(Action<T, bool> set) => new("no-new-keyring",
        "do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key", set);

    public static IntFlag<T> PreserveFds<T>(Action<T, GoInt> set) => new("preserve-fds",
        "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)", set, "0");

    public static BoolFlag<T> Detach<T>(Action<T, bool>? set = null) => new("detach, d", "detach from the container's process", set);

    public static BoolFlag<T> NoSubreaper<T>(Action<T, bool>? set = null) =>
        new("no-subreaper", "disable the use of the subreaper used to reap reparented processes", set);

    public static StringFlag<T> Format<T>(Action<T, string> set) => new("format, f", "select one of: table or json", set, "table");
}
