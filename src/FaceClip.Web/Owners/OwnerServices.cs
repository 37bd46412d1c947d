using FaceClip.Web.Jobs;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Owners;

/// <summary>Registers owner identities: the owner cookie (Data Protection keys kept in <c>data/keys/</c>), API keys,
/// and the middleware that gives every browser an owner on its first request.</summary>
public static class OwnerServices
{
    /// <summary>The scheme every request is authenticated with: the API key when its header is present, else the cookie.</summary>
    public const string Scheme = "Owner";

    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;

    public static IServiceCollection AddFaceClipOwners(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<OwnerOptions>(configuration.GetSection(OwnerOptions.SectionName));
        var owners = configuration.GetSection(OwnerOptions.SectionName).Get<OwnerOptions>() ?? new OwnerOptions();
        services.AddSingleton<ApiKeyStore>(sp => sp.GetRequiredService<IOptions<JobOptions>>().Value.IsDistributed
            ? new PostgresApiKeyStore(JobServices.DistributedConnectionString(configuration, "Postgres"))
            : new SqliteApiKeyStore(JobServices.DataDirectory(sp)));
        services.AddDataProtection().SetApplicationName("FaceClip");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((o, sp) =>
        {
            // Keys on disk, so an owner cookie outlives a restart.
            var keys = new DirectoryInfo(Path.Combine(JobServices.DataDirectory(sp), "keys"));
            keys.Create();
            o.XmlRepository = new FileSystemXmlRepository(keys, sp.GetRequiredService<ILoggerFactory>());
        });
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Owner", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(owners.ApiKeyHeader) ? ApiKeyAuthenticationHandler.SchemeName : CookieScheme)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = owners.CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Cookie.IsEssential = true;
                o.ExpireTimeSpan = TimeSpan.FromDays(Math.Max(1, owners.CookieDays));
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
                o.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        return services;
    }

    /// <summary>Authenticates the request and makes sure it has an owner: a browser without one is given a new
    /// owner cookie; a request with a wrong API key is answered 401. The client's address is added as a claim.</summary>
    public static IApplicationBuilder UseFaceClipOwners(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.Use(async (context, next) =>
        {
            var header = context.RequestServices.GetRequiredService<IOptions<OwnerOptions>>().Value.ApiKeyHeader;
            if (Owner.Of(context.User) is null)
            {
                if (context.Request.Headers.ContainsKey(header))
                {
                    await Results.Problem(detail: $"The API key in {header} is not known.", statusCode: StatusCodes.Status401Unauthorized)
                        .ExecuteAsync(context);
                    return;
                }

                var principal = Owner.Principal(Owner.NewBrowserOwner(), CookieScheme);
                await context.SignInAsync(CookieScheme, principal, new AuthenticationProperties { IsPersistent = true });
                context.User = principal;
            }

            context.User.AddIdentity(new System.Security.Claims.ClaimsIdentity(
                [new System.Security.Claims.Claim(Owner.AddressClaimType, context.Connection.RemoteIpAddress?.ToString() ?? "unknown")]));
            await next(context);
        });
        return app;
    }
}
