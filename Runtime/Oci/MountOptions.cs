namespace Runcs.Oci;

/// <summary>The result of <see cref="MountOptions.Parse"/>.</summary>
/// <param name="Flags">MS_* flags to pass to mount(2).</param>
/// <param name="ClearFlags">MS_* flags an option explicitly turned off (rw, suid, dev, exec, atime, ...):
/// a remount must not keep them.</param>
/// <param name="Propagation">Propagation changes (MS_PRIVATE, MS_SHARED, ... possibly | MS_REC), in the
/// order given: each is applied by its own mount(2) call.</param>
/// <param name="RecAttrSet">MOUNT_ATTR_* to set recursively with mount_setattr(2) (rro, rnosuid, ...).</param>
/// <param name="RecAttrClear">MOUNT_ATTR_* to clear recursively (rrw, rsuid, ...).</param>
/// <param name="Data">Unrecognised options: file-system specific data, joined with ",".</param>
/// <param name="TmpCopyUp">The "tmpcopyup" extension: copy the destination's contents into a new tmpfs.</param>
public readonly record struct ParsedMountOptions(
    ulong Flags,
    ulong ClearFlags,
    IReadOnlyList<ulong> Propagation,
    ulong RecAttrSet,
    ulong RecAttrClear,
    string Data,
    bool TmpCopyUp)
{
    /// <summary>All propagation flags or-ed together (0 when none was given).</summary>
    public ulong PropagationFlags
    {
        get
        {
            ulong f = 0;
            foreach (var p in Propagation) f |= p;
            return f;
        }
    }

    public bool HasRecursiveAttrs => RecAttrSet != 0 || RecAttrClear != 0;
}

/// <summary>
/// config.json mount options, parsed the way runc's specconv does: known names become mount(2)
/// flags, propagation changes, mount_setattr(2) recursive attributes or extensions; everything
/// else is file-system data.
/// </summary>
public static class MountOptions
{
    // mount(2) flags (linux/mount.h).
    public const ulong MS_RDONLY = 0x1;
    public const ulong MS_NOSUID = 0x2;
    public const ulong MS_NODEV = 0x4;
    public const ulong MS_NOEXEC = 0x8;
    public const ulong MS_SYNCHRONOUS = 0x10;
    public const ulong MS_REMOUNT = 0x20;
    public const ulong MS_MANDLOCK = 0x40;
    public const ulong MS_DIRSYNC = 0x80;
    public const ulong MS_NOSYMFOLLOW = 0x100;
    public const ulong MS_NOATIME = 0x400;
    public const ulong MS_NODIRATIME = 0x800;
    public const ulong MS_BIND = 0x1000;
    public const ulong MS_MOVE = 0x2000;
    public const ulong MS_REC = 0x4000;
    public const ulong MS_SILENT = 0x8000;
    public const ulong MS_POSIXACL = 0x10000;
    public const ulong MS_UNBINDABLE = 0x20000;
    public const ulong MS_PRIVATE = 0x40000;
    public const ulong MS_SLAVE = 0x80000;
    public const ulong MS_SHARED = 0x100000;
    public const ulong MS_RELATIME = 0x200000;
    public const ulong MS_I_VERSION = 0x800000;
    public const ulong MS_STRICTATIME = 0x1000000;
    public const ulong MS_LAZYTIME = 0x2000000;

    // mount_setattr(2) attributes.
    public const ulong MOUNT_ATTR_RDONLY = 0x1;
    public const ulong MOUNT_ATTR_NOSUID = 0x2;
    public const ulong MOUNT_ATTR_NODEV = 0x4;
    public const ulong MOUNT_ATTR_NOEXEC = 0x8;
    public const ulong MOUNT_ATTR__ATIME = 0x70;
    public const ulong MOUNT_ATTR_RELATIME = 0x0;
    public const ulong MOUNT_ATTR_NOATIME = 0x10;
    public const ulong MOUNT_ATTR_STRICTATIME = 0x20;
    public const ulong MOUNT_ATTR_NODIRATIME = 0x80;
    public const ulong MOUNT_ATTR_IDMAP = 0x100000;
    public const ulong MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

    /// <summary>Options mapped to mount(2) flags: (flag, clear). "defaults" is accepted and does nothing.</summary>
    public static readonly IReadOnlyDictionary<string, (ulong Flag, bool Clear)> Flags =
        new Dictionary<string, (ulong, bool)>(StringComparer.Ordinal)
        {
            ["acl"] = (MS_POSIXACL, false),
            ["async"] = (MS_SYNCHRONOUS, true),
            ["atime"] = (MS_NOATIME, true),
            ["bind"] = (MS_BIND, false),
            ["defaults"] = (0, false),
            ["dev"] = (MS_NODEV, true),
            ["diratime"] = (MS_NODIRATIME, true),
            ["dirsync"] = (MS_DIRSYNC, false),
            ["exec"] = (MS_NOEXEC, true),
            ["iversion"] = (MS_I_VERSION, false),
            ["lazytime"] = (MS_LAZYTIME, false),
            ["loud"] = (MS_SILENT, true),
            ["mand"] = (MS_MANDLOCK, false),
            ["noacl"] = (MS_POSIXACL, true),
            ["noatime"] = (MS_NOATIME, false),
            ["nodev"] = (MS_NODEV, false),
            ["nodiratime"] = (MS_NODIRATIME, false),
            ["noexec"] = (MS_NOEXEC, false),
            ["noiversion"] = (MS_I_VERSION, true),
            ["nolazytime"] = (MS_LAZYTIME, true),
            ["nomand"] = (MS_MANDLOCK, true),
            ["norelatime"] = (MS_RELATIME, true),
            ["nostrictatime"] = (MS_STRICTATIME, true),
            ["nosuid"] = (MS_NOSUID, false),
            ["nosymfollow"] = (MS_NOSYMFOLLOW, false),
            ["rbind"] = (MS_BIND | MS_REC, false),
            ["relatime"] = (MS_RELATIME, false),
            ["remount"] = (MS_REMOUNT, false),
            ["ro"] = (MS_RDONLY, false),
            ["rw"] = (MS_RDONLY, true),
            ["silent"] = (MS_SILENT, false),
            ["strictatime"] = (MS_STRICTATIME, false),
            ["suid"] = (MS_NOSUID, true),
            ["sync"] = (MS_SYNCHRONOUS, false),
            ["symfollow"] = (MS_NOSYMFOLLOW, true),
        };

    /// <summary>Propagation options and their mount(2) flags.</summary>
    public static readonly IReadOnlyDictionary<string, ulong> PropagationOptions =
        new Dictionary<string, ulong>(StringComparer.Ordinal)
        {
            ["private"] = MS_PRIVATE,
            ["shared"] = MS_SHARED,
            ["slave"] = MS_SLAVE,
            ["unbindable"] = MS_UNBINDABLE,
            ["rprivate"] = MS_PRIVATE | MS_REC,
            ["rshared"] = MS_SHARED | MS_REC,
            ["rslave"] = MS_SLAVE | MS_REC,
            ["runbindable"] = MS_UNBINDABLE | MS_REC,
        };

    /// <summary>Recursive mount_setattr(2) options: (attribute, clear).</summary>
    public static readonly IReadOnlyDictionary<string, (ulong Attr, bool Clear)> RecursiveAttrs =
        new Dictionary<string, (ulong, bool)>(StringComparer.Ordinal)
        {
            ["rro"] = (MOUNT_ATTR_RDONLY, false),
            ["rrw"] = (MOUNT_ATTR_RDONLY, true),
            ["rnosuid"] = (MOUNT_ATTR_NOSUID, false),
            ["rsuid"] = (MOUNT_ATTR_NOSUID, true),
            ["rnodev"] = (MOUNT_ATTR_NODEV, false),
            ["rdev"] = (MOUNT_ATTR_NODEV, true),
            ["rnoexec"] = (MOUNT_ATTR_NOEXEC, false),
            ["rexec"] = (MOUNT_ATTR_NOEXEC, true),
            ["rnodiratime"] = (MOUNT_ATTR_NODIRATIME, false),
            ["rdiratime"] = (MOUNT_ATTR_NODIRATIME, true),
            ["rrelatime"] = (MOUNT_ATTR_RELATIME, false),
            ["rnorelatime"] = (MOUNT_ATTR_RELATIME, true),
            ["rnoatime"] = (MOUNT_ATTR_NOATIME, false),
            ["ratime"] = (MOUNT_ATTR_NOATIME, true),
            ["rstrictatime"] = (MOUNT_ATTR_STRICTATIME, false),
            ["rnostrictatime"] = (MOUNT_ATTR_STRICTATIME, true),
            ["rnosymfollow"] = (MOUNT_ATTR_NOSYMFOLLOW, false),
            ["rsymfollow"] = (MOUNT_ATTR_NOSYMFOLLOW, true),
        };

    /// <summary>Extension options handled by runcs itself rather than the kernel.</summary>
    public const string TmpCopyUp = "tmpcopyup";

    private static readonly IReadOnlyList<ulong> s_noPropagation = [];

    /// <summary>Parses a mount's options; later options override earlier ones ("ro,rw" is read-write).</summary>
    public static ParsedMountOptions Parse(IEnumerable<string>? options)
    {
        ulong flags = 0, clear = 0, recSet = 0, recClear = 0;
        List<ulong>? propagation = null;
        List<string>? data = null;
        bool tmpCopyUp = false;
        if (options is not null)
        {
            foreach (var o in options)
            {
                if (Flags.TryGetValue(o, out var f))
                {
                    if (f.Clear) { flags &= ~f.Flag; clear |= f.Flag; }
                    else { flags |= f.Flag; clear &= ~f.Flag; }
                }
                else if (PropagationOptions.TryGetValue(o, out ulong p))
                {
                    (propagation ??= []).Add(p);
                }
                else if (RecursiveAttrs.TryGetValue(o, out var r))
                {
                    if (r.Clear)
                    {
                        recClear |= r.Attr;
                        recSet &= ~r.Attr;
                    }
                    else
                    {
                        recSet |= r.Attr;
                        recClear &= ~r.Attr;
                        // mount_setattr(2): an access-time mode is set by also clearing the whole
                        // MOUNT_ATTR__ATIME field.
                        if ((r.Attr & MOUNT_ATTR__ATIME) == r.Attr) recClear |= MOUNT_ATTR__ATIME;
                    }
                }
                else if (o == TmpCopyUp)
                {
                    tmpCopyUp = true;
                }
                else
                {
                    (data ??= []).Add(o);
                }
            }
        }
        return new ParsedMountOptions(flags, clear, propagation ?? s_noPropagation, recSet, recClear,
            data is null ? "" : string.Join(',', data), tmpCopyUp);
    }

    /// <summary>Whether an option is one runcs recognises (not file-system data).</summary>
    public static bool IsKnown(string option) =>
        Flags.ContainsKey(option) || PropagationOptions.ContainsKey(option) || RecursiveAttrs.ContainsKey(option) || option == TmpCopyUp;

    /// <summary>Every option runcs recognises, sorted (the features document's "mountOptions").</summary>
    public static IReadOnlyList<string> Known()
    {
        var all = new List<string>(Flags.Count + PropagationOptions.Count + RecursiveAttrs.Count + 1);
        all.AddRange(Flags.Keys);
        all.AddRange(PropagationOptions.Keys);
        all.AddRange(RecursiveAttrs.Keys);
        all.Add(TmpCopyUp);
        all.Sort(StringComparer.Ordinal);
        return all;
    }
}
