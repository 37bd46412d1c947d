using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using FaceClip.Web.Components;
using FaceClip.Web.Jobs;
using FaceClip.Web.Owners;
using FaceClip.Web.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace FaceClip.Web.Hosting;

/// <summary>Service registration and the request pipeline of the web app, in one place.</summary>
public static class FaceClipWebSetup
{
    public static IServiceCollection AddFaceClip(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ComputeOptions>(configuration.GetSection(ComputeOptions.SectionName));
        services.Configure<ModelStoreOptions>(configuration.GetSection(ModelStoreOptions.SectionName));
        services.AddSingleton(sp =>
        {
            var env = sp.GetRequiredService<IWebHostEnvironment>();
            return ModelStore.Open(env.ContentRootPath, sp.GetRequiredService<IOptions<ModelStoreOptions>>().Value);
        });
        services.AddSingleton(sp => TorchRuntime.Configure(sp.GetRequiredService<IOptions<ComputeOptions>>().Value));
        services.AddHostedService<StartupReport>();
        services.Configure<ReconstructionOptions>(configuration.GetSection(ReconstructionOptions.SectionName));
        services.AddSingleton<ReconstructorProvider>();
        services.AddSingleton<IJobExecutor, ReconstructionJobExecutor>();
        services.AddFaceClipJobs(configuration);
        services.AddHealthChecks().AddCheck<ModelAssetsHealthCheck>("models");
        services.AddProblemDetails();
        services.AddOpenApi();
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        return services;
    }

    public static WebApplication UseFaceClip(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<NodeOptions>>().Value.ServesWeb)
        {
            // A worker of a cluster serves its health only: pages, the API and the hub are the web nodes'.
            app.MapHealthChecks("/health");
            return app;
        }

        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }

        app.UseStatusCodePages();
        app.UseSecurityHeaders();
        app.UseStaticFiles();
        app.UseOriginCheck();
        app.UseFaceClipOwners();
        app.UseAntiforgery();
        app.MapHealthChecks("/health");
        app.MapOpenApi();
        app.MapModelsApi();
        app.MapFaceClipJobs();
        // A person's address that leads nowhere goes to the app's not-found page; an unknown REST
        // address keeps answering ProblemDetails, and paths of files (static assets) are left to the static files.
        app.MapFallback("/api/{**path}", () => Results.Problem(detail: "No such API address.", statusCode: StatusCodes.Status404NotFound));
        app.MapFallback("{*path:nonfile}", () => Results.Redirect("/not-found"));
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    private static void MapModelsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.MapGet("/model/topology", (ReconstructorProvider provider) =>
        {
            var triangles = provider.DisplayTopology;
            var bytes = new byte[triangles.Length * sizeof(int)];
            Buffer.BlockCopy(triangles, 0, bytes, 0, bytes.Length);
            return Results.Bytes(bytes, "application/octet-stream");
        });
        api.MapGet("/models", (ModelStore store, ComputeContext compute) => Results.Ok(new
        {
            device = compute.Description,
            threads = compute.Threads,
            // No server paths: where an asset lies on disk is the operator's business, not a visitor's.
            assets = store.GetStatuses().Select(s => AssetSummary.Of(s) with { Path = null, Problem = ServerPaths.Scrub(s.Problem) }),
        }));
    }

    /// <summary>Logs the device, thread count and asset status once the app has started.</summary>
    private sealed class StartupReport(ComputeContext compute, ModelStore store, ILogger<StartupReport> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            logger.LogInformation("Compute device: {Device}; LibTorch threads: {Threads}", compute.Description, compute.Threads);
            if (FaceClip.Core.Runtime.HandleQuarantine.Active)
            {
                logger.LogInformation("TorchSharp Scalars and tensors the finalizer disposes are held {Seconds} s before they are freed ({Library})", FaceClip.Core.Runtime.HandleQuarantine.Hold.TotalSeconds, FaceClip.Core.Runtime.HandleQuarantine.LibraryPath);
            }
            else if (OperatingSystem.IsLinux())
            {
                logger.LogWarning("TorchSharp Scalars and tensors the finalizer disposes are freed at once: libfaceclip_handle_quarantine.so is not next to libLibTorchSharp.so, and one finalized during an operation can fail a job");
            }
            foreach (var status in store.GetStatuses())
            {
                if (status.Found)
                {
                    logger.LogInformation("Model asset {Asset}: {Location} {Root}", status.Asset.Id, status.Location, status.Root);
                }
                else if (status.Asset.Required)
                {
                    logger.LogError("Required model asset {Asset} is unavailable ({Problem}); run `faceclip models fetch {Asset}`",
                        status.Asset.Id, status.Problem ?? "missing", status.Asset.Id);
                }
                else
                {
                    logger.LogInformation("Optional model asset {Asset} is not installed", status.Asset.Id);
                }
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Healthy when every required asset is found and verified.</summary>
    private sealed class ModelAssetsHealthCheck(ModelStore store) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var missing = store.GetStatuses().Where(s => s.Asset.Required && !s.Found).Select(s => s.Asset.Id).ToList();
            return Task.FromResult(missing.Count == 0
                ? HealthCheckResult.Healthy("All required model assets are installed.")
                : HealthCheckResult.Unhealthy($"Missing model assets: {string.Join(", ", missing)}. Run `faceclip models fetch`."));
        }
    }
}
