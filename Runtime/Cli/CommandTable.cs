using Runcs.Commands;

namespace Runcs.Cli;

/// <summary>
/// The verbs, flags and help texts of runc 1.1 (same names, aliases, types, defaults and
/// wording), in runc's order. The help command ("help", "h") is handled by the parser.
/// </summary>
public static class CommandTable
{
    // A verb that runcs implements declares its flags in its Options (Runtime/Commands/), each
    // bound to the property the verb reads; checkpoint and restore, refused, only parse theirs.

    // criu options shared by checkpoint and restore (built with their flags, when first needed).
    private static FlagSpec WorkPath => new("work-path", FlagKind.String, "path for saving work files and logs");
    private static FlagSpec TcpEstablished => new("tcp-established", FlagKind.Bool, "allow open tcp connections");
    private static FlagSpec ExtUnixSk => new("ext-unix-sk", FlagKind.Bool, "allow external unix sockets");
    private static FlagSpec ShellJob => new("shell-job", FlagKind.Bool, "allow shell jobs");
    private static FlagSpec LazyPages => new("lazy-pages", FlagKind.Bool, "use userfaultfd to lazily restore memory pages");
    private static FlagSpec FileLocks => new("file-locks", FlagKind.Bool, "handle file locks, for safety");
    private static FlagSpec ManageCgroupsMode => new("manage-cgroups-mode", FlagKind.String, "cgroups mode: 'soft' (default), 'full' and 'strict'");
    private static FlagSpec EmptyNs => new("empty-ns", FlagKind.StringSlice, "create a namespace, but don't restore its properties");
    private static FlagSpec AutoDedup => new("auto-dedup", FlagKind.Bool, "enable auto deduplication of memory images");

    private const string IdArgsUsage = """
<container-id>

Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host.
""";

    /// <summary>create's and run's description after "The create"/"The run".</summary>
    private const string CreatesInstanceDescription = """
 command creates an instance of a container for a bundle. The bundle
is a directory with a specification file named "config.json" and a root
filesystem.

The specification file includes an args parameter. The args parameter is used
to specify command(s) that get run when the container is started. To change the
command(s) that get executed on start, edit the args parameter of the spec. See
"runc spec --help" for more explanation.
""";

    private const string SpecDescription = """
The spec command creates the new specification file named "config.json" for
the bundle.

The spec generated is just a starter file. Editing of the spec is required to
achieve desired results. For example, the newly generated spec includes an args
parameter that is initially set to call the "sh" command when the container is
started. Calling "sh" may work for an ubuntu container or busybox, but will not
work for containers that do not include the "sh" program.

EXAMPLE:
  To run docker's hello-world container one needs to set the args parameter
in the spec to call hello. This can be done using the sed command or a text
editor. The following commands create a bundle for hello-world, change the
default args parameter in the spec from "sh" to "/hello", then run the hello
command in a new hello-world container named container1:

    mkdir hello
    cd hello
    docker pull hello-world
    docker export $(docker create hello-world) > hello-world.tar
    mkdir rootfs
    tar -C rootfs -xf hello-world.tar
    runc spec
    sed -i 's;"sh";"/hello";' config.json
    runc run container1

In the run command above, "container1" is the name for the instance of the
container that you are starting. The name you provide for the container instance
must be unique on your host.

An alternative for generating a customized spec config is to use "oci-runtime-tool", the
sub-command "oci-runtime-tool generate" has lots of options that can be used to do any
customizations as you want, see runtime-tools (https://github.com/opencontainers/runtime-tools)
to get more information.

When starting a container through runc, runc needs root privilege. If not
already running as root, you can use sudo to give runc root privilege. For
example: "sudo runc start container1" will give runc root privilege to start the
container on your host.

Alternatively, you can start a rootless container, which has the ability to run
without root privileges. For this to work, the specification file needs to be
adjusted accordingly. You can pass the parameter --rootless to this command to
generate a proper rootless spec file.

Note that --rootless is not needed when you execute runc as the root in a user namespace
created by an unprivileged user.

""";

    /// <summary>All verbs in runc's order (the order of the COMMANDS list).</summary>
    public static IReadOnlyList<CommandSpec> Commands { get; } =
    [
        new CommandSpec
        {
            Name = "checkpoint",
            Usage = "checkpoint a running container",
            ArgsUsage = """
<container-id>

Where "<container-id>" is the name for the instance of the container to be
checkpointed.
""",
            Description = "The checkpoint command saves the state of the container instance.",
            ArgRule = ArgCountRule.Exact,
            MinArgs = 1,
            DeclaredFlags = static () =>
            [
                new("image-path", FlagKind.String, "path for saving criu image files"),
                WorkPath,
                new("parent-path", FlagKind.String, "path for previous criu image files in pre-dump"),
                new("leave-running", FlagKind.Bool, "leave the process running after checkpointing"),
                TcpEstablished,
                ExtUnixSk,
                ShellJob,
                LazyPages,
                new("status-fd", FlagKind.Int, "criu writes \\0 to this FD once lazy-pages is ready", "-1"),
                new("page-server", FlagKind.String, "ADDRESS:PORT of the page server"),
                FileLocks,
                new("pre-dump", FlagKind.Bool, "dump container's memory information only, leave the container running after this"),
                ManageCgroupsMode,
                EmptyNs,
                AutoDedup,
            ],
        },
        new CommandSpec
        {
            Name = "create",
            Usage = "create a container",
            ArgsUsage = IdArgsUsage,
            Description = "The create" + CreatesInstanceDescription,
            ArgRule = ArgCountRule.Exact,
            MinArgs = 1,
            DeclaredFlags = static () => CreateCommand.Options.Flags,
        },
        new CommandSpec
        {
            Name = "delete",
            Usage = "delete any resources held by the container often used with detached container",
            ArgsUsage = """
<container-id>

Where "<container-id>" is the name for the instance of the container.

EXAMPLE:
For example, if the container id is "ubuntu01" and runc list currently shows the
status of "ubuntu01" as "stopped" the following will delete resources held for
"ubuntu01" removing "ubuntu01" from the runc list of containers:

       # runc delete ubuntu01
""",
            ArgRule = ArgCountRule.Exact,
            MinArgs = 1,
            DeclaredFlags = static () => DeleteCommand.Options.Flags,
        },
        new CommandSpec
        {
            Name = "events",
            Usage = "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
            ArgsUsage = """
<container-id>

Where "<container-id>" is the name for the instance of the container.
""",
            Description = """
The events command displays information about the container. By default the
information is displayed once every 5 seconds.
""",
            ArgRule = ArgCountRule.Exact,
            MinArgs = 1,
            DeclaredFlags = static () => EventsCommand.Options.Flags,
        },
        new CommandSpec
        {
            Name = "exec",
            Usage = "execute new process inside the container",
            ArgsUsage = """
<container-id> <command> [command options]  || -p process.json <container-id>

Where "<container-id>" is the name for the instance of the container and
"<command>" is the command to be executed in the container.
"<command>" can't be empty unless a "-p" flag provided.

EXAMPLE:
For example, if the container is configured to run the linux ps command the
following will output a list of processes running in the container:

       # runc exec <container-id> ps
""",
            SkipArgReorder = true,
            ArgRule = ArgCountRule.Min,
            MinArgs = 1,
            DeclaredFlags = static () => ExecCommand.Options.Flags,
        },
        new CommandSpec
        {
            Name = "kill",
            Usage = "kill sends the specified signal (default: SIGTERM) to the container's init process",
            ArgsUsage = """
<container-id> [signal]

Where "<container-id>" is the name for the instance of the container and
"[signal]" is the signal to be sent to the init process.

EXAMPLE:
For example, if the container id is "ubuntu01" the following will send a "KILL"
signal to the init process of the "ubuntu01" container:

       # runc kill ubuntu01 KILL
""",
            ArgRule = ArgCountRule.MinMax,
            MinArgs = 1,
            MaxArgs = 2,
            DeclaredFlags = static () => KillCommand.Options.Flags,
        },
        new CommandSpec
        {
            Name = "list",
            Usage = "lists containers started by runc with the given root",
            ArgsUsage = """


Where the given root is specified via the global option "--root"
(default: "/run/runc").

EXAMPLE 1:
To list containers created via the default "--root":
       # runc list

EXAMPLE 2:
To list containers created using a non-default value for "--root":
       # runc --root value list
""",
            ArgRule = ArgCountRule.Exact,
            MinArgs = 0,
            DeclaredFlags = static () => ListCommand.Options.Flags,
        },
        new CommandSpec
        {
            Name = "pause",
            Usage = "pause suspends all processes inside the container",
            ArgsUsage = """
<container-id>

Where "<container-id>" is the name for the instance of the container to be
paused. 
""",
            Description = """
The pause command suspends all processes in the instance of the container.

Use runc list to identify instances of containers and their current status.
""",
            ArgRule = ArgCountRule.Exact,
            MinArgs = 1,
        },
        new CommandSpec
        {
            Name = "ps",
            Usage = "ps displays the processes running inside a container",
            ArgsUsage = "<container-id> [ps options]",
            SkipArgReorder = true,
            ArgRule = ArgCountRule.Min,
            MinArgs = 1,
            DeclaredFlags = static () => PsCommand.Options.Flags,
        },
        new CommandSpec
        {
            Name = "restore",
            Usage = "restore a container from a previous checkpoint",
            ArgsUsage = """
<container-id>

Where "<container-id>" is the name for the instance of the container to be
restored.
""",
            Description = """
Restores the saved state of the container instance that was previously saved
using the runc checkpoint command.
""",
            ArgRule = ArgCountRule.Exact,
            MinArgs = 1,
            DeclaredFlags = static () =>
            [
                SharedFlags.ConsoleSocket<Unread>(),
                new("image-path", FlagKind.String, "path to criu image files for restoring"),
                WorkPath,
                TcpEstablished,
                ExtUnixSk,
                ShellJob,
                FileLocks,
                ManageCgroupsMode,
                SharedFlags.BundleNoDefault<Unread>(),
                SharedFlags.Detach<Unread>(),
                SharedFlags.PidFile<Unread>(),
                SharedFlags.NoSubreaper<Unread>(),
                SharedFlags.NoPivot<Unread>(),
                EmptyNs,
                AutoDedup,
                LazyPages,
                new("lsm-profile", FlagKind.String, "Specify an LSM profile to be used during restore in the form of TYPE:NAME."),
                new("lsm-mount-context", FlagKind.String, "Specify an LSM mount context to be used during restore."),
            ],
        },
        new CommandSpec
        {
            Name = "resume",
            Usage = "resumes all processes that have been previously paused",
            ArgsUsage = """
<container-id>

Where "<container-id>" is the name for the instance of the container to be
resumed.
""",
            Description = """
The resume command resumes all processes in the instance of the container.

Use runc list to identify instances of containers and their current status.
""",
            ArgRule = ArgCountRule.Exact,
            MinArgs = 1,
        },
        new CommandSpec
        {
            Name = "run",
            Usage = "create and run a container",
            ArgsUsage = IdArgsUsage,
            Description = "The run" + CreatesInstanceDescription,
            ArgRule = ArgCountRule.Exact,
            MinArgs = 1,
            DeclaredFlags = static () => RunCommand.Options.Flags,
        },
        new CommandSpec
        {
            Name = "spec",
            Usage = "create a new specification file",
            Description = SpecDescription,
            ArgRule = ArgCountRule.Exact,
            MinArgs = 0,
            DeclaredFlags = static () => SpecCommand.Options.Flags,
        },
        new CommandSpec
        {
            Name = "start",
            Usage = "executes the user defined process in a created container",
            ArgsUsage = IdArgsUsage,
            Description = "The start command executes the user defined process in a created container.",
            ArgRule = ArgCountRule.Exact,
            MinArgs = 1,
        },
        new CommandSpec
        {
            Name = "state",
            Usage = "output the state of a container",
            ArgsUsage = """
<container-id>

Where "<container-id>" is your name for the instance of the container.
""",
            Description = """
The state command outputs current state information for the
instance of a container.
""",
            ArgRule = ArgCountRule.Exact,
            MinArgs = 1,
        },
        new CommandSpec
        {
            Name = "update",
            Usage = "update container resource constraints",
            ArgsUsage = "<container-id>",
            ArgRule = ArgCountRule.Exact,
            MinArgs = 1,
            DeclaredFlags = static () => UpdateCommand.Options.Flags,
        },
        new CommandSpec
        {
            Name = "features",
            Usage = "show the enabled features",
            Description = """
Show the enabled features.
   The result is parsable as a JSON.
   See https://pkg.go.dev/github.com/opencontainers/runc/types/features for the type definition.
   The types are experimental and subject to change.

""",
            ArgRule = ArgCountRule.Exact,
            MinArgs = 0,
        },
    ];

    /// <summary>The verb named <paramref name="name"/> (or one of its aliases), or null.</summary>
    public static CommandSpec? Find(string name)
    {
        foreach (CommandSpec c in Commands)
            if (c.HasName(name))
                return c;
        return null;
    }

    /// <summary>The global flags; <paramref name="defaultRoot"/> only feeds the help text.</summary>
    public static IReadOnlyList<FlagSpec> GlobalFlags(string defaultRoot) =>
    [
        new("debug", FlagKind.Bool, "enable debug logging"),
        new("log", FlagKind.String, "set the log file to write runc logs to (default is '/dev/stderr')"),
        new("log-format", FlagKind.String, "set the log format ('text' (default), or 'json')", "text"),
        new("root", FlagKind.String, "root directory for storage of container state (this should be located in tmpfs)", defaultRoot),
        new("criu", FlagKind.String, "path to the criu binary used for checkpoint and restore", "criu"),
        new("systemd-cgroup", FlagKind.Bool,
            "enable systemd cgroup support, expects cgroupsPath to be of form \"slice:prefix:name\" for e.g. \"system.slice:runc:434234\""),
        new("rootless", FlagKind.String, "ignore cgroup permission errors ('true', 'false', or 'auto')", "auto"),
        HelpFlag,
        VersionFlag,
    ];

    internal static readonly FlagSpec HelpFlag = new("help, h", FlagKind.Bool, "show help");
    internal static readonly FlagSpec VersionFlag = new("version, v", FlagKind.Bool, "print the version");

    /// <summary>The options type of the flags checkpoint and restore parse and never read.</summary>
    private sealed class Unread;
}
