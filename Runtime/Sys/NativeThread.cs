using System.Runtime.InteropServices;

namespace Runcs.Sys;

/// <summary>
/// A plain pthread for a blocking loop (the stdio copiers). <see cref="Thread.Start()"/> waits,
/// spinning on sched_yield, until the new thread has run: the copiers start while the init
/// boots, and on two cores that wait took thousands of yields per `run` (about a millisecond of
/// CPU taken from the init). This thread attaches to the runtime by itself on entry instead.
/// </summary>
internal static unsafe class NativeThread
{
    /// <summary>Runs <paramref name="work"/> on a new thread; the handle is for <see cref="Join"/>.</summary>
    public static ulong Start(Action work)
    {
        var handle = GCHandle.Alloc(work);
        ulong thread;
        int error = LibC.pthread_create(&thread, 0, &Entry, GCHandle.ToIntPtr(handle));
        if (error != 0)
        {
            handle.Free();
            throw new SysError("pthread_create", error);
        }
        return thread;
    }

    public static void Join(ulong thread) => LibC.pthread_join(thread, null);

    [UnmanagedCallersOnly]
    private static nint Entry(nint arg)
    {
        var handle = GCHandle.FromIntPtr(arg);
        var work = (Action)handle.Target!;
        handle.Free();
        work();
        return 0;
    }
}
