namespace FaceClip.Web.Security;

/// <summary>Request guards. Bound from the <c>Security</c> section.</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>Origins besides the app's own (scheme://host[:port]) that may send state-changing requests, e.g. the
    /// public address behind a reverse proxy that rewrites the Host header.</summary>
    public List<string> AllowedOrigins { get; set; } = [];
}
