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
    /// <summary>The stack of each thread: a fixed size, as the runtime gives its own threads (the
    /// pthread default follows RLIMIT_STACK, which a caller may have set very small).</summary>
    private const int StackSize = 256 * 1024;

    /// <summary>Runs <paramref name="work"/> on a new thread; the handle is for <see cref="Join"/>.</summary>
    public static ulong Start(Action work)
    {
        var handle = GCHandle.Alloc(work);
        byte* attr = stackalloc byte[LibC.PthreadAttrSize];
        ulong thread;
        LibC.pthread_attr_init(attr);
        LibC.pthread_attr_setstacksize(attr, StackSize);
        int error = LibC.pthread_create(&thread, (nint)attr, &Entry, GCHandle.ToIntPtr(handle));
        LibC.pthread_attr_destroy(attr);
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
