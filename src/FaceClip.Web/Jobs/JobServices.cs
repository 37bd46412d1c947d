using FaceClip.Core.Runtime;
using FaceClip.Web.Owners;
using FaceClip.Web.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Jobs;

/// <summary>Registers the job system: store, queue, worker, events, hub, upload checks.</summary>
public static class JobServices
{
    public static IServiceCollection AddFaceClipJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<JobOptions>(configuration.GetSection(JobOptions.SectionName));
        services.Configure<FaceClip.Core.Expression.TransferOptions>(configuration.GetSection(FaceClip.Core.Expression.TransferOptions.SectionName));
        services.AddSingleton(sp =>
        {
            var env = sp.GetRequiredService<IWebHostEnvironment>();
            return new JobStore(Path.GetFullPath(sp.GetRequiredService<IOptions<JobOptions>>().Value.DataDirectory, env.ContentRootPath));
        });
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobEvents>();
        services.AddSingleton<UploadValidator>();
        services.AddSingleton<SubmissionLimiter>();
        services.AddSingleton<JobSubmission>();
        services.AddSingleton<JobDeletion>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<JobWorker>();
        services.AddHostedService<JobRetention>();
        services.AddFaceClipOwners(configuration);
        services.AddFaceClipRequestGuards(configuration);
        services.AddSignalR(o => o.MaximumReceiveMessageSize = 64 * 1024).AddMessagePackProtocol();
        services.AddOptions<FormOptions>().Configure<IOptions<JobOptions>>((form, jobs) =>
            form.MultipartBodyLengthLimit = jobs.Value.MaxUploadBytes + 64 * 1024);
        return services;
    }

    /// <summary>The request pipeline in front of the job endpoints: security headers, owners, the origin check.</summary>
    public static IApplicationBuilder UseFaceClipRequestGuards(this IApplicationBuilder app)
    {
        app.UseSecurityHeaders();
        app.UseOriginCheck();
        app.UseFaceClipOwners();
        return app;
    }

    public static IEndpointRouteBuilder MapFaceClipJobs(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapJobsApi();
        endpoints.MapOwnersApi();
        endpoints.MapHub<JobsHub>("/hubs/jobs");
        return endpoints;
    }
}
