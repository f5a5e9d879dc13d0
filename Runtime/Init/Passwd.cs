namespace Runcs.Init;

/// <summary>The container's /etc/passwd, read directly: a static binary has no NSS.</summary>
public static class Passwd
{
    public static string HomeOf(uint uid, string file = "/etc/passwd")
    {
        try
        {
            foreach (string line in File.ReadLines(file))
            {
                string[] f = line.Split(':');
                if (f.Length >= 6 && uint.TryParse(f[2], out uint u) && u == uid && f[5].Length > 0)
                    return f[5];
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return "/";
    }
}
