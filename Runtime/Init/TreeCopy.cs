namespace Runcs.Init;

/// <summary>Copies a directory tree (files, directories, symlinks, modes) for tmpcopyup.</summary>
internal static class TreeCopy
{
    public static void Copy(string from, string to)
    {
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            string target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link)
                File.CreateSymbolicLink(target, link);
            else if (entry is DirectoryInfo dir)
            {
                Directory.CreateDirectory(target);
                File.SetUnixFileMode(target, File.GetUnixFileMode(dir.FullName));
                Copy(dir.FullName, target);
            }
            else
            {
                File.Copy(entry.FullName, target);
            }
        }
    }
}
