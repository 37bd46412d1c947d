using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Security;

/// <summary>
/// Guards on every request. Security headers on every response, with a content security policy whose one inline
/// script (the import map) carries a per-request nonce. Cross-site requests refused where they could change state
/// or read a job: every request that is not GET/HEAD/OPTIONS, and every request to the hubs (their WebSocket
/// handshakes are GETs that CORS does not cover), must come from the app's own origin when the browser says where it
/// comes from (<c>Origin</c>, <c>Sec-Fetch-Site</c>). Clients that are not browsers send neither and pass.
/// </summary>
public static class RequestGuards
{
    private const string NonceKey = "faceclip.csp-nonce";

    /// <summary>The nonce of this request's content security policy, for the page's inline script.</summary>
    public static string? NonceOf(HttpContext? context) => context?.Items[NonceKey] as string;

    public static IServiceCollection AddFaceClipRequestGuards(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SecurityOptions>(configuration.GetSection(SecurityOptions.SectionName));
        return services;
    }

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        // Hex, not base64: a base64 '+' is written into the page as "&#x2B;" by Razor's encoder, so the attribute
        // would not read as the header's nonce to anything that compares them as text.
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        var host = context.Request.Host.Value;
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), interest-cohort=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers.ContentSecurityPolicy =
                "default-src 'self'; " +
                $"script-src 'self' 'nonce-{nonce}'; " +
                // MudBlazor positions and colours its components with style attributes.
                "style-src 'self' 'unsafe-inline'; " +
                // Face thumbnails are data: URLs, the live render and the textured GLB's images blob: URLs.
                "img-src 'self' data: blob:; " +
                "font-src 'self' data:; " +
                $"connect-src 'self' ws://{host} wss://{host} blob: data:; " +
                "worker-src 'self' blob:; " +
                "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
            return Task.CompletedTask;
        });
        await next(context);
    });

    public static IApplicationBuilder UseOriginCheck(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var guarded = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
                      || request.Path.StartsWithSegments("/hubs") || request.Path.StartsWithSegments("/_blazor");
        if (guarded && Refusal(context) is { } reason)
        {
            await Results.Problem(detail: reason, statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    private static string? Refusal(HttpContext context)
    {
        var request = context.Request;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            var own = $"{request.Scheme}://{request.Host.Value}";
            var allowed = context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.AllowedOrigins;
            return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
                   || allowed.Any(a => string.Equals(origin, a.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
                ? null
                : $"Requests from {origin} are not accepted: only this app's own pages may change or watch jobs.";
        }

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return site is "cross-site" ? "Cross-site requests are not accepted: only this app's own pages may change or watch jobs." : null;
    }
}
