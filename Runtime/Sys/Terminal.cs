using System.Runtime.InteropServices;

namespace Runcs.Sys;

/// <summary>Pseudo-terminals and the termios of runcs's own terminal.</summary>
public static unsafe class Terminal
{
    private const ulong TCGETS = 0x5401, TCSETS = 0x5402, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414,
        TIOCSCTTY = 0x540E, TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431;

    /// <summary>struct termios as the TCGETS ioctl sees it (kernel layout, 60 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Termios
    {
        public uint Iflag, Oflag, Cflag, Lflag;
        public byte Line;
        public fixed byte Cc[19];
        public uint Ispeed, Ospeed;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct WinSize
    {
        public ushort Rows, Cols, XPixel, YPixel;
    }

    public static bool IsTerminal(int fd)
    {
        Termios t;
        return LibC.ioctl(fd, TCGETS, &t) == 0;
    }

    /// <summary>A new pty from the devpts mounted at /dev/pts (via /dev/ptmx): (master fd, slave path).</summary>
    public static (int Master, string SlavePath) OpenPty()
    {
        int master = LibC.open("/dev/ptmx", OpenFlags.O_RDWR | OpenFlags.O_NOCTTY | OpenFlags.O_CLOEXEC, 0);
        if (master < 0)
            throw SysError.Last("open /dev/ptmx");
        int unlock = 0, number;
        if (LibC.ioctl(master, TIOCSPTLCK, &unlock) < 0 || LibC.ioctl(master, TIOCGPTN, &number) < 0)
        {
            var error = SysError.Last("unlockpt /dev/ptmx");
            LibC.close(master);
            throw error;
        }
        return (master, $"/dev/pts/{number}");
    }

    /// <summary>Makes the pty slave the calling process's controlling terminal and its stdio.</summary>
    public static void BecomeControllingTerminal(string slavePath)
    {
        // nsexec.c made every container process a session leader already (EPERM here).
        if (LibC.setsid() < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.EPERM)
            throw SysError.Last("setsid");
        int slave = LibC.open(slavePath, OpenFlags.O_RDWR, 0);
        if (slave < 0)
            throw SysError.Last($"open {slavePath}");
        if (LibC.ioctl(slave, TIOCSCTTY, null) < 0)
            throw SysError.Last("ioctl TIOCSCTTY");
        for (int fd = 0; fd <= 2; fd++)
            if (LibC.dup3(slave, fd, 0) < 0)
                throw SysError.Last($"dup3 {slavePath} to fd {fd}");
        if (slave > 2)
            LibC.close(slave);
    }

    public static WinSize? GetSize(int fd)
    {
        WinSize ws;
        return LibC.ioctl(fd, TIOCGWINSZ, &ws) == 0 ? ws : null;
    }

    public static void SetSize(int fd, WinSize ws)
    {
        if (LibC.ioctl(fd, TIOCSWINSZ, &ws) < 0)
            throw SysError.Last("ioctl TIOCSWINSZ");
    }

    public static Termios? GetAttr(int fd)
    {
        Termios t;
        return LibC.ioctl(fd, TCGETS, &t) == 0 ? t : null;
    }

    public static void SetAttr(int fd, Termios t) => LibC.ioctl(fd, TCSETS, &t);

    /// <summary>cfmakeraw: no echo, no line editing, no signals from keys, 8-bit, no output processing.</summary>
    public static Termios MakeRaw(Termios t)
    {
        const uint IGNBRK = 1, BRKINT = 2, PARMRK = 8, ISTRIP = 0x20, INLCR = 0x40, IGNCR = 0x80, ICRNL = 0x100, IXON = 0x400;
        const uint OPOST = 1, ECHO = 8, ECHONL = 0x40, ICANON = 2, ISIG = 1, IEXTEN = 0x8000, CSIZE = 0x30, PARENB = 0x100, CS8 = 0x30;
        t.Iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
        t.Oflag &= ~OPOST;
        t.Lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
        t.Cflag &= ~(CSIZE | PARENB);
        t.Cflag |= CS8;
        t.Cc[6] = 1; // VMIN
        t.Cc[5] = 0; // VTIME
        return t;
    }
}
