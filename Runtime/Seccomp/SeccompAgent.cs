using System.Text;
using Runcs.Errors;
using Runcs.Oci;
using Runcs.Sys;
using Runcs.Text;

namespace Runcs.Seccomp;

/// <summary>
/// The seccomp agent at linux.seccomp.listenerPath receives the container's notify listener as
/// runc sends it, so existing agents work unchanged: a new connection, then one message whose
/// data is the JSON of the runtime spec's ContainerProcessState and whose SCM_RIGHTS carries
/// the listener fd ("fds": ["seccompFd"]).
/// </summary>
public sealed class SeccompAgent
{
    private readonly string _listenerPath;
    private readonly string? _metadata;
    private readonly Func<string> _stateJson;

    private SeccompAgent(string listenerPath, string? metadata, Func<string> stateJson)
    {
        _listenerPath = listenerPath;
        _metadata = metadata;
        _stateJson = stateJson;
    }

    /// <summary>The agent of a profile with a listenerPath, or null; stateJson gives the container's state JSON.</summary>
    public static SeccompAgent? For(LinuxSeccomp? seccomp, Func<string> stateJson) =>
        string.IsNullOrEmpty(seccomp?.ListenerPath) ? null : new SeccompAgent(seccomp.ListenerPath, seccomp.ListenerMetadata, stateJson);

    /// <summary>Copies fd number listenerFd out of process pid and sends it to the agent.</summary>
    public void Deliver(int pid, int listenerFd)
    {
        int listener = UnixSocket.CopyFdFrom(pid, listenerFd);
        try
        {
            int socket;
            try
            {
                socket = UnixSocket.Connect(_listenerPath);
            }
            catch (SysError e)
            {
                throw new RuntimeError($"failed to connect with seccomp agent specified in the seccomp profile: {e.Message}");
            }
            try
            {
                UnixSocket.SendFd(socket, listener, Message(pid), "seccomp listener");
            }
            catch (SysError e)
            {
                throw new RuntimeError($"cannot send seccomp fd to {_listenerPath}: {e.Message}");
            }
            finally
            {
                LibC.close(socket);
            }
        }
        finally
        {
            LibC.close(listener);
        }
    }

    /// <summary>{"ociVersion","fds","pid","metadata"(omitted when empty),"state"}, in Go's field order.</summary>
    internal string Message(int pid)
    {
        var sb = new StringBuilder("{\"ociVersion\":");
        GoJson.WriteString(sb, Features.OciVersionMaximum);
        sb.Append(",\"fds\":[\"seccompFd\"],\"pid\":").Append(pid);
        if (!string.IsNullOrEmpty(_metadata))
        {
            sb.Append(",\"metadata\":");
            GoJson.WriteString(sb, _metadata);
        }
        return sb.Append(",\"state\":").Append(_stateJson()).Append('}').ToString();
    }
}
