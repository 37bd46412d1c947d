using System.Security.Claims;

namespace FaceClip.Web.Owners;

/// <summary><c>POST /api/keys</c>: issues an API key for the caller's owner, so a script can reach the caller's jobs.</summary>
public static class OwnersApi
{
    public static IEndpointRouteBuilder MapOwnersApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/keys", async (ClaimsPrincipal user, ApiKeyStore keys, Microsoft.Extensions.Options.IOptions<OwnerOptions> options, CancellationToken cancellationToken) =>
            {
                var key = await keys.IssueAsync(Owner.Of(user)!, cancellationToken);
                return Results.Created((string?)null, new { key, header = options.Value.ApiKeyHeader });
            })
            .DisableAntiforgery()
            .WithTags("Owners")
            .WithName("IssueApiKey");
        return endpoints;
    }
}
