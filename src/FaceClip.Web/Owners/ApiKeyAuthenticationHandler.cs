using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Owners;

/// <summary>Authenticates a request by the API key in its header: a configured key (compared in constant time) or
/// one issued from the UI. No header: no result (the cookie decides); a wrong key: failure, answered 401.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<OwnerOptions> owners,
    ApiKeyStore issued) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(owners.Value.ApiKeyHeader, out var values) || values.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        var key = values.ToString().Trim();
        var owner = Configured(key) ?? await issued.FindOwnerAsync(key, Context.RequestAborted);
        return owner is null
            ? AuthenticateResult.Fail("Unknown API key.")
            : AuthenticateResult.Success(new AuthenticationTicket(Owner.Principal(owner, SchemeName), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    private string? Configured(string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        string? found = null;
        foreach (var entry in owners.Value.ApiKeys)
        {
            var expected = entry.Sha256 is { Length: 64 } hex
                ? Convert.FromHexString(hex)
                : entry.Key is { Length: > 0 } plain ? SHA256.HashData(Encoding.UTF8.GetBytes(plain)) : null;
            if (expected is not null && CryptographicOperations.FixedTimeEquals(hash, expected) && entry.Owner.Length > 0)
            {
                found = Owner.ForConfiguredKey(entry.Owner);
            }
        }

        return found;
    }
}
