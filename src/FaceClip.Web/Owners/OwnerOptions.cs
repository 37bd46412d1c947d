namespace FaceClip.Web.Owners;

/// <summary>Who owns a job: the browser cookie and the API keys. Bound from the <c>Owners</c> section.</summary>
public sealed class OwnerOptions
{
    public const string SectionName = "Owners";

    /// <summary>Name of the owner cookie (HttpOnly, SameSite=Lax, Secure under HTTPS, protected by Data Protection).</summary>
    public string CookieName { get; set; } = "faceclip.owner";

    /// <summary>Days a browser keeps its owner identity without a visit (sliding).</summary>
    public int CookieDays { get; set; } = 365;

    /// <summary>Header a REST client sends its API key in.</summary>
    public string ApiKeyHeader { get; set; } = "X-Api-Key";

    /// <summary>API keys given in configuration, each with the owner it stands for.</summary>
    public List<ConfiguredApiKey> ApiKeys { get; set; } = [];
}

/// <summary>A configured API key: the owner name and the key itself, or its SHA-256 in hex (so the configuration
/// need not hold the secret).</summary>
public sealed class ConfiguredApiKey
{
    public string Owner { get; set; } = "";
    public string? Key { get; set; }
    public string? Sha256 { get; set; }
}
