using Runcs.Errors;
using Tmds.DBus.Protocol;

namespace Runcs.Cgroups.Systemd;

/// <summary>
/// The calls runc's systemd driver makes to systemd's D-Bus API (org.freedesktop.systemd1.Manager),
/// over Tmds.DBus.Protocol. As go-systemd (runc's client) does, it connects to the system bus
/// ($DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket) and, as root, falls back to
/// systemd's private socket /run/systemd/private (no bus daemon needed). Only the systemd driver
/// makes one: cgroupfs containers never load any of this.
/// </summary>
internal sealed class SystemdBus : IDisposable
{
    private const string Service = "org.freedesktop.systemd1";
    private const string ManagerPath = "/org/freedesktop/systemd1";
    private const string ManagerInterface = "org.freedesktop.systemd1.Manager";
    private const string PrivateAddress = "unix:path=" + PrivateSocketConnection.Path;
    private const string DefaultSystemBus = "unix:path=/run/dbus/system_bus_socket";

    /// <summary>How long runc waits for a job of systemd's.</summary>
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    /// <summary>How often <c>whileWaiting</c> runs while an answer is awaited: after 2 ms, then twice as long each time, up to 50 ms.</summary>
    private const int FirstPollMs = 2, LastPollMs = 50;

    private readonly DBusConnection _connection;
    private readonly object _gate = new(); // Monitor.Wait/PulseAll
    /// <summary>JobRemoved results seen so far (job path → result): a job may finish before its reply is read.</summary>
    private readonly Dictionary<string, string> _finishedJobs = [];
    private int _version = -2;

    private SystemdBus(DBusConnection connection) => _connection = connection;

    /// <summary>Connects and subscribes to JobRemoved; a bus that cannot be reached is a clear error.</summary>
    public static SystemdBus Connect()
    {
        string system = Environment.GetEnvironmentVariable("DBUS_SYSTEM_BUS_ADDRESS") is { Length: > 0 } a ? a : DefaultSystemBus;
        var reasons = new List<string>();
        foreach (string address in Environment.IsPrivilegedProcess ? [system, PrivateAddress] : new[] { system })
        {
            DBusConnection connection;
            Action? whileWaiting = null;
            if (address == PrivateAddress)
            {
                (connection, var options) = PrivateSocketConnection.Create();
                whileWaiting = options.Nudge;
            }
            else
                connection = new DBusConnection(address);
            try
            {
                Logging.Log.DebugMessage($"systemd: connecting to {address}");
                WaitFor(connection.ConnectAsync().AsTask(), "connect", ConnectTimeout, whileWaiting);
                var bus = new SystemdBus(connection);
                bus.WatchJobs();
                Logging.Log.DebugMessage($"systemd: connected to {address}");
                return bus;
            }
            catch (Exception e)
            {
                connection.Dispose();
                reasons.Add(Describe(address, e));
            }
        }
        throw new RuntimeError($"failed to connect to dbus: {string.Join("; ", reasons)}");
    }

    /// <summary>Go's "dial unix PATH: connect: ..." wording; .NET names a missing socket "Cannot assign requested address".</summary>
    private static string Describe(string address, Exception e)
    {
        const string unixPath = "unix:path=";
        if (!address.StartsWith(unixPath, StringComparison.Ordinal))
            return $"{address}: {e.Message}";
        string path = address[unixPath.Length..].Split(',')[0];
        string reason = !File.Exists(path) ? "no such file or directory"
            : e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused } ? "connection refused"
            : e.Message;
        return $"dial unix {path}: connect: {reason}";
    }

    private void WatchJobs()
    {
        var rule = new MatchRule
        {
            Type = MessageType.Signal,
            Interface = ManagerInterface,
            Member = "JobRemoved",
            Path = ManagerPath,
        };
        var watch = _connection.AddMatchAsync(rule,
            static (Message m, object? _) =>
            {
                var r = m.GetBodyReader();
                r.ReadUInt32();
                string job = r.ReadObjectPath().ToString();
                r.ReadString();
                return (Job: job, Result: r.ReadString());
            },
            static (Notification<(string Job, string Result)> n) =>
            {
                if (!n.HasValue)
                    return;
                var bus = (SystemdBus)n.State!;
                lock (bus._gate)
                {
                    bus._finishedJobs[n.Value.Job] = n.Value.Result;
                    Monitor.PulseAll(bus._gate);
                }
            },
            emitOnCapturedContext: false, ObserverFlags.None, this);
        WaitFor(watch.AsTask(), "AddMatch");
    }

    /// <summary>StartTransientUnit(name, "replace", properties, []); returns the job's object path.</summary>
    public string StartTransientUnit(string unit, IReadOnlyList<UnitProperty> properties)
    {
        var writer = _connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(destination: Service, path: ManagerPath, @interface: ManagerInterface,
                signature: "ssa(sv)a(sa(sv))", member: "StartTransientUnit");
            writer.WriteString(unit);
            writer.WriteString("replace");
            WriteProperties(ref writer, properties);
            var aux = writer.WriteArrayStart(DBusType.Struct);
            writer.WriteArrayEnd(aux);
            return CallForJob(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>StopUnit(name, "replace"); returns the job's object path.</summary>
    public string StopUnit(string unit)
    {
        using var writer = _connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Service, path: ManagerPath, @interface: ManagerInterface,
            signature: "ss", member: "StopUnit");
        writer.WriteString(unit);
        writer.WriteString("replace");
        return CallForJob(writer.CreateMessage());
    }

    /// <summary>SetUnitProperties(name, runtime=true, properties).</summary>
    public void SetUnitProperties(string unit, IReadOnlyList<UnitProperty> properties)
    {
        var writer = _connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(destination: Service, path: ManagerPath, @interface: ManagerInterface,
                signature: "sba(sv)", member: "SetUnitProperties");
            writer.WriteString(unit);
            writer.WriteBool(true);
            WriteProperties(ref writer, properties);
            Call(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>ResetFailedUnit(name): lets systemd forget a failed unit of that name.</summary>
    public void ResetFailedUnit(string unit)
    {
        using var writer = _connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Service, path: ManagerPath, @interface: ManagerInterface,
            signature: "s", member: "ResetFailedUnit");
        writer.WriteString(unit);
        Call(writer.CreateMessage());
    }

    /// <summary>systemd's version number (the Manager's Version property, e.g. "252.22-1~deb12u1" → 252), -1 if unknown.</summary>
    public int Version()
    {
        if (_version != -2)
            return _version;
        try
        {
            using var writer = _connection.GetMessageWriter();
            writer.WriteMethodCallHeader(destination: Service, path: ManagerPath, @interface: "org.freedesktop.DBus.Properties",
                signature: "ss", member: "Get");
            writer.WriteString(ManagerInterface);
            writer.WriteString("Version");
            string text = WaitFor(_connection.CallMethodAsync(writer.CreateMessage(),
                static (Message m, object? _) => m.GetBodyReader().ReadVariantValue().GetString()), "Version");
            return _version = ParseVersion(text);
        }
        catch (Exception e) when (e is DBusExceptionBase or InvalidOperationException)
        {
            Logging.Log.DebugMessage($"unable to get systemd version: {e.Message}");
            return _version = -1;
        }
    }

    /// <summary>runc's systemdVersionAtoi: the first run of digits after an optional leading "v.</summary>
    internal static int ParseVersion(string text)
    {
        string s = text.TrimStart('"', 'v');
        int end = 0;
        while (end < s.Length && char.IsAsciiDigit(s[end]))
            end++;
        return end > 0 && int.TryParse(s.AsSpan(0, end), out int v) ? v : -1;
    }

    /// <summary>Waits for the JobRemoved signal of <paramref name="job"/>; its result ("done", "failed", ...), or null on timeout.</summary>
    public string? WaitJob(string job)
    {
        var deadline = DateTime.UtcNow + JobTimeout;
        lock (_gate)
        {
            while (true)
            {
                if (_finishedJobs.Remove(job, out string? result))
                    return result;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                    return null;
                Monitor.Wait(_gate, left);
            }
        }
    }

    private string CallForJob(MessageBuffer message) =>
        Invoke(() => WaitFor(_connection.CallMethodAsync(message, static (Message m, object? _) => m.GetBodyReader().ReadObjectPath().ToString()), "call"));

    private void Call(MessageBuffer message) =>
        Invoke(() =>
        {
            WaitFor(_connection.CallMethodAsync(message), "call");
            return "";
        });

    /// <summary>Every exchange with systemd is bounded, as runc's 30 s context: a peer that does not answer is an error, never a hang.</summary>
    private static void WaitFor(Task task, string what, TimeSpan? timeout = null, Action? whileWaiting = null)
    {
        var limit = timeout ?? JobTimeout;
        var deadline = DateTime.UtcNow + limit;
        int pollMs = FirstPollMs;
        try
        {
            while (!(whileWaiting is null ? task.Wait(limit) : task.Wait(pollMs)))
            {
                if (whileWaiting is null || DateTime.UtcNow >= deadline)
                    throw new RuntimeError($"timed out after {limit.TotalSeconds:0} s waiting for systemd's D-Bus answer ({what})");
                whileWaiting();
                pollMs = Math.Min(pollMs * 2, LastPollMs);
            }
        }
        catch (AggregateException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
        }
    }

    private static T WaitFor<T>(Task<T> task, string what)
    {
        WaitFor((Task)task, what);
        return task.Result;
    }

    /// <summary>A call; systemd's error replies become <see cref="SystemdError"/>, a lost connection a clear error.</summary>
    private static string Invoke(Func<string> call)
    {
        try
        {
            return call();
        }
        catch (DBusErrorReplyException e)
        {
            throw new SystemdError(e.ErrorName, e.ErrorMessage);
        }
        catch (Exception e) when (e is DBusExceptionBase or IOException)
        {
            throw new RuntimeError($"D-Bus connection to systemd failed: {e.Message}");
        }
    }

    private static void WriteProperties(ref MessageWriter writer, IReadOnlyList<UnitProperty> properties)
    {
        var array = writer.WriteArrayStart(DBusType.Struct);
        foreach (var p in properties)
        {
            writer.WriteStructureStart();
            writer.WriteString(p.Name);
            p.WriteValue(ref writer);
        }
        writer.WriteArrayEnd(array);
    }

    public void Dispose() => _connection.Dispose();
}

/// <summary>An error reply from systemd, e.g. org.freedesktop.systemd1.UnitExists.</summary>
internal sealed class SystemdError(string name, string message) : RuntimeError(message)
{
    public string Name { get; } = name;

    public bool IsUnitExists => Name.Contains("org.freedesktop.systemd1.UnitExists", StringComparison.Ordinal);
    public bool IsNoSuchUnit => Name.Contains("org.freedesktop.systemd1.NoSuchUnit", StringComparison.Ordinal);
}
