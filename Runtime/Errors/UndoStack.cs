namespace Runcs.Errors;

/// <summary>
/// The cleanups of a multi-step operation (create, exec), each registered by the step that
/// makes what it undoes. Disposed without <see cref="Dismiss"/> (an exception is on its way
/// out), they run in reverse order; each failure is logged and the next still runs, so the
/// error that caused the rollback is the one reported. Releases registered with
/// <see cref="Defer"/> (fds, the sync channel) run at their place in the order whatever the outcome.
/// </summary>
/// <example>
/// <code>
/// using var undo = new UndoStack("create");
/// string dir = MakeDir();
/// undo.Push(() => RemoveDir(dir), "remove the state directory");
/// ...
/// undo.Dismiss(); // made it: keep everything
/// </code>
/// </example>
public sealed class UndoStack(string operation, Action<string>? warn = null) : IDisposable
{
    private readonly List<Entry> _entries = new(8);
    private bool _dismissed;

    /// <summary>An undo: run only if the operation fails.</summary>
    public void Push(Action undo, string description) => _entries.Add(new(undo, description, Always: false));

    /// <summary>A release: run when the stack is disposed, after or without a failure.</summary>
    public void Defer(Action release, string description) => _entries.Add(new(release, description, Always: true));

    /// <summary>The operation succeeded: what it made stays; only the releases run at dispose.</summary>
    public void Dismiss() => _dismissed = true;

    /// <summary>The descriptions of what disposing would run now, in that order.</summary>
    public IEnumerable<string> Pending
    {
        get
        {
            for (int i = _entries.Count - 1; i >= 0; i--)
                if (!_dismissed || _entries[i].Always)
                    yield return _entries[i].Description;
        }
    }

    public void Dispose()
    {
        for (int i = _entries.Count - 1; i >= 0; i--)
        {
            Entry e = _entries[i];
            if (_dismissed && !e.Always)
                continue;
            if (!_dismissed)
                Logging.Log.DebugMessage($"undo after a failed {operation}: {e.Description}");
            try
            {
                e.Action();
            }
            catch (Exception ex)
            {
                // Logged, never thrown: an exception from here would replace the one that is unwinding.
                (warn ?? Logging.Log.Warn)(_dismissed
                    ? $"{operation}: {e.Description}: {ex.Message}"
                    : $"cleanup after a failed {operation}: {ex.Message}");
            }
        }
        _entries.Clear();
    }

    private readonly record struct Entry(Action Action, string Description, bool Always);
}
