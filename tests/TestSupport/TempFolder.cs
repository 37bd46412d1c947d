namespace FaceClip.TestSupport;

/// <summary>A fresh folder under the system's temporary folder, deleted with everything in it when disposed:
/// <c>using var cleanup = TempFolder.Create("faceclip-x-", out var folder);</c></summary>
public sealed class TempFolder : IDisposable
{
    private TempFolder(string path) => Path = path;

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>Creates a folder whose name starts with <paramref name="prefix"/>; <paramref name="path"/> is its full path.</summary>
    public static TempFolder Create(string prefix, out string path)
    {
        var folder = new TempFolder(Directory.CreateTempSubdirectory(prefix).FullName);
        path = folder.Path;
        return folder;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
