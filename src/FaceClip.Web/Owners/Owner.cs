using System.Security.Claims;
using FaceClip.Web.Jobs;

namespace FaceClip.Web.Owners;

/// <summary>An owner is a claim on the request's principal. A browser without sign-up gets <c>browser:&lt;random&gt;</c>,
/// a configured API key <c>key:&lt;name&gt;</c>; a real sign-in later only has to put its own user id in the same claim.</summary>
public static class Owner
{
    public const string ClaimType = "faceclip:owner";

    /// <summary>The client's address, added to every request's principal (so a Blazor circuit knows it too).</summary>
    public const string AddressClaimType = "faceclip:address";

    public static string NewBrowserOwner() => "browser:" + JobIds.New();

    public static string ForConfiguredKey(string name) => "key:" + name;

    /// <summary>The owner of a request, or null when it has none.</summary>
    public static string? Of(ClaimsPrincipal? user) =>
        user?.FindFirst(ClaimType)?.Value is { Length: > 0 } owner ? owner : null;

    /// <summary>The client address of a request ("unknown" when the transport gives none).</summary>
    public static string AddressOf(ClaimsPrincipal? user) => user?.FindFirst(AddressClaimType)?.Value ?? "unknown";

    /// <summary>The owner and address of a page's user (a Blazor circuit keeps the principal of its connection).</summary>
    public static async Task<(string? Owner, string Address)> OfPageAsync(Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider provider)
    {
        var user = (await provider.GetAuthenticationStateAsync()).User;
        return (Of(user), AddressOf(user));
    }

    public static ClaimsPrincipal Principal(string owner, string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimType, owner)], scheme));
}
