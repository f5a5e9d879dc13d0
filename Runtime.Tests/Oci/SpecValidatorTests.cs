using Xunit;
using Runcs.Errors;
using Runcs.Oci;
using static Runcs.Tests.Oci.OciTestUtil;

namespace Runcs.Tests.Oci;

public sealed class SpecValidatorTests : IDisposable
{
    private readonly TempBundle _bundle = new();

    public void Dispose() => _bundle.Dispose();

    private static Spec Valid() => DefaultSpec.Create(rootless: false);

    private string Fails(Spec spec, string expectedPath)
    {
        var e = Assert.Throws<ConfigError>(() => SpecValidator.Validate(spec, _bundle.Dir));
        Assert.Equal(expectedPath, e.JsonPath);
        return e.Message;
    }

    [Fact]
    public void DefaultSpecsAreValid()
    {
        SpecValidator.Validate(DefaultSpec.Create(false), _bundle.Dir);
        SpecValidator.Validate(DefaultSpec.Create(true, 1000, 1000), _bundle.Dir);
    }

    [Fact]
    public void FixturesAreValid()
    {
        foreach (var f in new[] { "runc-spec.json", "runc-spec-rootless.json", "containerd-spec-sample.json", "config-all-fields.json" })
        {
            SpecValidator.Validate(SpecLoader.ParseSpec(f, Fixture(f)), _bundle.Dir);
        }
    }

    [Fact]
    public void MissingOciVersion()
    {
        var s = Valid();
        s.OciVersion = "";
        Assert.Equal("config.json: ociVersion: must not be empty", Fails(s, "ociVersion"));
    }

    [Fact]
    public void MissingRoot()
    {
        var s = Valid();
        s.Root = null;
        Assert.Equal("config.json: root.path: must not be empty", Fails(s, "root.path"));
    }

    [Fact]
    public void MissingRootPath()
    {
        var s = Valid();
        s.Root!.Path = "";
        Assert.Equal("config.json: root.path: must not be empty", Fails(s, "root.path"));
    }

    [Fact]
    public void RootfsDoesNotExist()
    {
        var s = Valid();
        s.Root!.Path = "nothere";
        Assert.Equal($"config.json: root.path: rootfs \"{Path.Combine(_bundle.Dir, "nothere")}\" does not exist", Fails(s, "root.path"));
    }

    [Fact]
    public void RootfsIsAFile()
    {
        File.WriteAllText(Path.Combine(_bundle.Dir, "file"), "");
        var s = Valid();
        s.Root!.Path = "file";
        Assert.Equal($"config.json: root.path: rootfs \"{Path.Combine(_bundle.Dir, "file")}\" is not a directory", Fails(s, "root.path"));
    }

    [Fact]
    public void AbsoluteRootfsIsNotRelativeToBundle()
    {
        var s = Valid();
        s.Root!.Path = Path.Combine(_bundle.Dir, "rootfs");
        SpecValidator.Validate(s, "/nonexistent");
        Assert.Equal(Path.Combine(_bundle.Dir, "rootfs"), SpecValidator.ResolveRootfs(s.Root, "/elsewhere"));
        Assert.Equal(Path.Combine(_bundle.Dir, "rootfs"), SpecValidator.ResolveRootfs(new Root { Path = "rootfs" }, _bundle.Dir));
    }

    [Fact]
    public void MissingProcess()
    {
        var s = Valid();
        s.Process = null;
        Assert.Equal("config.json: process: must not be empty", Fails(s, "process"));
    }

    [Fact]
    public void EmptyArgs()
    {
        var s = Valid();
        s.Process!.Args = [];
        Assert.Equal("config.json: process.args: must not be empty", Fails(s, "process.args"));
        s.Process.Args = null;
        Assert.Equal("config.json: process.args: must not be empty", Fails(s, "process.args"));
    }

    [Fact]
    public void EmptyCwd()
    {
        var s = Valid();
        s.Process!.Cwd = "";
        Assert.Equal("config.json: process.cwd: must not be empty", Fails(s, "process.cwd"));
    }

    [Fact]
    public void RelativeCwd()
    {
        var s = Valid();
        s.Process!.Cwd = "work";
        Assert.Equal("config.json: process.cwd: must be an absolute path", Fails(s, "process.cwd"));
    }

    [Fact]
    public void UnknownNamespace()
    {
        var s = Valid();
        s.Linux!.Namespaces![2].Type = "pidd";
        Assert.Equal("config.json: linux.namespaces[2].type: unknown namespace \"pidd\"", Fails(s, "linux.namespaces[2].type"));
    }

    [Fact]
    public void DuplicateNamespace()
    {
        var s = Valid();
        s.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "pid", Path = "/proc/1/ns/pid" });
        Assert.Equal("config.json: linux.namespaces[5].type: duplicate namespace \"pid\"", Fails(s, "linux.namespaces[5].type"));
    }

    [Fact]
    public void RelativeNamespacePath()
    {
        var s = Valid();
        s.Linux!.Namespaces![1].Path = "netns";
        Assert.Equal("config.json: linux.namespaces[1].path: must be an absolute path", Fails(s, "linux.namespaces[1].path"));
    }

    [Fact]
    public void UidMappingsWithoutUserNamespace()
    {
        var s = Valid();
        s.Linux!.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }];
        Assert.Equal("config.json: linux.uidMappings: uid mappings require a user namespace", Fails(s, "linux.uidMappings"));
    }

    [Fact]
    public void GidMappingsWithoutUserNamespace()
    {
        var s = Valid();
        s.Linux!.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }];
        Assert.Equal("config.json: linux.gidMappings: gid mappings require a user namespace", Fails(s, "linux.gidMappings"));
    }

    [Fact]
    public void UserNamespaceWithoutMappings()
    {
        var s = DefaultSpec.Create(true, 1000, 1000);
        s.Linux!.UidMappings = null;
        Assert.Equal("config.json: linux.uidMappings: user namespace enabled, but no uid mappings found", Fails(s, "linux.uidMappings"));
        s = DefaultSpec.Create(true, 1000, 1000);
        s.Linux!.GidMappings = [];
        Assert.Equal("config.json: linux.gidMappings: user namespace enabled, but no gid mappings found", Fails(s, "linux.gidMappings"));
    }

    [Fact]
    public void JoinedUserNamespaceNeedsNoMappings()
    {
        var s = Valid();
        s.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user", Path = "/proc/1/ns/user" });
        SpecValidator.Validate(s, _bundle.Dir);
    }

    [Fact]
    public void RelativeMountDestination()
    {
        var s = Valid();
        s.Mounts![1].Destination = "dev";
        Assert.Equal("config.json: mounts[1].destination: must be an absolute path", Fails(s, "mounts[1].destination"));
    }

    [Fact]
    public void EmptyMountDestination()
    {
        var s = Valid();
        s.Mounts![0].Destination = "";
        Assert.Equal("config.json: mounts[0].destination: must be an absolute path", Fails(s, "mounts[0].destination"));
    }

    [Fact]
    public void UnknownRlimit()
    {
        var s = Valid();
        s.Process!.Rlimits![0].Type = "RLIMIT_FOO";
        Assert.Equal("config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"", Fails(s, "process.rlimits[0].type"));
    }

    [Fact]
    public void RlimitSoftAboveHard()
    {
        var s = Valid();
        s.Process!.Rlimits![0].Soft = 10;
        s.Process.Rlimits[0].Hard = 5;
        Assert.Equal("config.json: process.rlimits[0]: soft limit 10 is greater than hard limit 5", Fails(s, "process.rlimits[0]"));
    }

    [Fact]
    public void DuplicateRlimit()
    {
        var s = Valid();
        s.Process!.Rlimits!.Add(new PosixRlimit { Type = "RLIMIT_CORE", Hard = 0, Soft = 0 });
        s.Process.Rlimits.Add(new PosixRlimit { Type = "RLIMIT_NOFILE", Hard = 10, Soft = 10 });
        Assert.Equal("config.json: process.rlimits[2].type: duplicate rlimit \"RLIMIT_NOFILE\"", Fails(s, "process.rlimits[2].type"));
    }

    [Fact]
    public void UnknownCapability()
    {
        var s = Valid();
        s.Process!.Capabilities!.Bounding!.Add("CAP_FOO");
        Assert.Equal("config.json: process.capabilities.bounding[3]: unknown capability \"CAP_FOO\"", Fails(s, "process.capabilities.bounding[3]"));
    }

    [Fact]
    public void UnknownCapabilityInAmbient()
    {
        var s = Valid();
        s.Process!.Capabilities!.Ambient = ["cap_kill"];
        Assert.Equal("config.json: process.capabilities.ambient[0]: unknown capability \"cap_kill\"", Fails(s, "process.capabilities.ambient[0]"));
    }

    [Fact]
    public void OomScoreAdjOutOfRange()
    {
        var s = Valid();
        s.Process!.OomScoreAdj = 2000;
        Assert.Equal("config.json: process.oomScoreAdj: 2000 is out of range [-1000, 1000]", Fails(s, "process.oomScoreAdj"));
    }

    [Fact]
    public void UnknownSchedulerPolicy()
    {
        var s = Valid();
        s.Process!.Scheduler = new Scheduler { Policy = "SCHED_FAST" };
        Assert.Equal("config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_FAST\"", Fails(s, "process.scheduler.policy"));
    }

    [Fact]
    public void UnknownSchedulerFlag()
    {
        var s = Valid();
        s.Process!.Scheduler = new Scheduler { Policy = "SCHED_OTHER", Flags = ["SCHED_FLAG_RECLAIM", "SCHED_FLAG_X"] };
        Assert.Equal("config.json: process.scheduler.flags[1]: unknown scheduler flag \"SCHED_FLAG_X\"", Fails(s, "process.scheduler.flags[1]"));
    }

    [Fact]
    public void UnknownIOPriorityClass()
    {
        var s = Valid();
        s.Process!.IOPriority = new LinuxIOPriority { Class = "IOPRIO_CLASS_X", Priority = 1 };
        Assert.Equal("config.json: process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_X\"", Fails(s, "process.ioPriority.class"));
    }

    [Fact]
    public void IOPriorityOutOfRange()
    {
        var s = Valid();
        s.Process!.IOPriority = new LinuxIOPriority { Class = "IOPRIO_CLASS_BE", Priority = 8 };
        Assert.Equal("config.json: process.ioPriority.priority: 8 is out of range [0, 7]", Fails(s, "process.ioPriority.priority"));
    }

    [Fact]
    public void RelativeHookPath()
    {
        var s = Valid();
        s.Hooks = new Hooks { CreateRuntime = [new Hook { Path = "/bin/true" }, new Hook { Path = "hook.sh" }] };
        Assert.Equal("config.json: hooks.createRuntime[1].path: must be an absolute path", Fails(s, "hooks.createRuntime[1].path"));
    }

    [Fact]
    public void NonPositiveHookTimeout()
    {
        var s = Valid();
        s.Hooks = new Hooks { Poststop = [new Hook { Path = "/bin/true", Timeout = 0 }] };
        Assert.Equal("config.json: hooks.poststop[0].timeout: must be greater than zero", Fails(s, "hooks.poststop[0].timeout"));
    }

    [Fact]
    public void HostnameWithoutUtsNamespace()
    {
        var s = Valid();
        s.Linux!.Namespaces!.RemoveAll(n => n.Type == "uts");
        Assert.Equal("config.json: hostname: unable to set hostname without a private UTS namespace", Fails(s, "hostname"));
    }

    [Fact]
    public void DomainnameWithoutUtsNamespace()
    {
        var s = Valid();
        s.Hostname = null;
        s.Domainname = "example.org";
        s.Linux!.Namespaces!.RemoveAll(n => n.Type == "uts");
        Assert.Equal("config.json: domainname: unable to set domainname without a private UTS namespace", Fails(s, "domainname"));
    }

    [Fact]
    public void TimeOffsetsWithoutTimeNamespace()
    {
        var s = Valid();
        s.Linux!.TimeOffsets = new() { ["monotonic"] = new LinuxTimeOffset { Secs = 10 } };
        Assert.Equal("config.json: linux.timeOffsets: time offsets require a time namespace", Fails(s, "linux.timeOffsets"));
    }

    [Fact]
    public void UnknownRootfsPropagation()
    {
        var s = Valid();
        s.Linux!.RootfsPropagation = "rsharedd";
        Assert.Equal("config.json: linux.rootfsPropagation: unknown propagation mode \"rsharedd\"", Fails(s, "linux.rootfsPropagation"));
    }

    [Fact]
    public void UnknownDeviceType()
    {
        var s = Valid();
        s.Linux!.Devices = [new LinuxDevice { Path = "/dev/x", Type = "x", Major = 1, Minor = 1 }];
        Assert.Equal("config.json: linux.devices[0].type: unknown device type \"x\"", Fails(s, "linux.devices[0].type"));
    }

    [Fact]
    public void RelativeDevicePath()
    {
        var s = Valid();
        s.Linux!.Devices = [new LinuxDevice { Path = "dev/x", Type = "c", Major = 1, Minor = 1 }];
        Assert.Equal("config.json: linux.devices[0].path: must be an absolute path", Fails(s, "linux.devices[0].path"));
    }

    [Fact]
    public void BadDeviceCgroupRule()
    {
        var s = Valid();
        s.Linux!.Resources!.Devices!.Add(new LinuxDeviceCgroup { Allow = true, Type = "x", Access = "r" });
        Assert.Equal("config.json: linux.resources.devices[1].type: unknown device type \"x\"", Fails(s, "linux.resources.devices[1].type"));
        s.Linux.Resources.Devices[1] = new LinuxDeviceCgroup { Allow = true, Type = "c", Access = "rwx" };
        Assert.Equal("config.json: linux.resources.devices[1].access: invalid access \"rwx\" (must be some of \"rwm\")", Fails(s, "linux.resources.devices[1].access"));
    }

    [Fact]
    public void UnknownPersonalityDomain()
    {
        var s = Valid();
        s.Linux!.Personality = new LinuxPersonality { Domain = "LINUX64" };
        Assert.Equal("config.json: linux.personality.domain: unknown personality domain \"LINUX64\"", Fails(s, "linux.personality.domain"));
    }

    [Fact]
    public void UnknownMemoryPolicyModeOrFlag()
    {
        var s = Valid();
        s.Linux!.MemoryPolicy = new LinuxMemoryPolicy { Mode = "MPOL_FAST", Nodes = "0" };
        Assert.Equal("config.json: linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_FAST\"", Fails(s, "linux.memoryPolicy.mode"));
        s.Linux.MemoryPolicy = new LinuxMemoryPolicy { Mode = "MPOL_BIND", Nodes = "0", Flags = ["MPOL_F_STATIC_NODES", "MPOL_F_BOGUS"] };
        Assert.Equal("config.json: linux.memoryPolicy.flags[1]: unknown memory policy flag \"MPOL_F_BOGUS\"", Fails(s, "linux.memoryPolicy.flags[1]"));
        s.Linux.MemoryPolicy = new LinuxMemoryPolicy { Mode = "MPOL_INTERLEAVE", Nodes = "0", Flags = ["MPOL_F_RELATIVE_NODES"] };
        SpecValidator.Validate(s, _bundle.Dir);
    }

    [Fact]
    public void ExecProcessIsValidatedWithoutPrefix()
    {
        var p = SpecLoader.ParseProcess("process.json", """{"args": [], "cwd": "/"}""");
        var e = Assert.Throws<ConfigError>(() => SpecValidator.ValidateProcess(p, "process.json", ""));
        Assert.Equal("process.json: args: must not be empty", e.Message);
    }

    [Fact]
    public void NullArrayEntries()
    {
        // the reader refuses a null entry in any list of objects, naming it
        var e = Assert.Throws<ConfigError>(() => SpecLoader.ParseSpec("config.json", """{"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": ["sh"]}, "mounts": [null]}"""));
        Assert.Equal("config.json: mounts[0]: must not be null (line 1, column 109)", e.Message);
        var s = SpecLoader.ParseSpec("config.json", """{"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": ["sh"]}}""");
        s.Linux = new Linux { Namespaces = [new LinuxNamespace { Type = "uts" }, null!] };
        Assert.Equal("config.json: linux.namespaces[1]: must not be null", Fails(s, "linux.namespaces[1]"));
    }
}
