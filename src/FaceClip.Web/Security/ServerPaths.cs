using System.Text.RegularExpressions;

namespace FaceClip.Web.Security;

/// <summary>Keeps absolute server paths out of what the app tells visitors: each becomes its last part.</summary>
public static partial class ServerPaths
{
    public static string? Scrub(string? text) => text is null ? null : AbsolutePath().Replace(text, "$1");

    [GeneratedRegex(@"(?<![\w.:/~-])/(?:[^\s'""`,;:()\[\]/]+/)*([^\s'""`,;:()\[\]/]+)")]
    private static partial Regex AbsolutePath();
}
