using FaceClip.Core.Runtime;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Jobs;

/// <summary>Registers the job system: store, queue, worker, events, hub, upload checks.</summary>
public static class JobServices
{
    public static IServiceCollection AddFaceClipJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<JobOptions>(configuration.GetSection(JobOptions.SectionName));
        services.AddSingleton(sp =>
        {
            var env = sp.GetRequiredService<IWebHostEnvironment>();
            return new JobStore(Path.GetFullPath(sp.GetRequiredService<IOptions<JobOptions>>().Value.DataDirectory, env.ContentRootPath));
        });
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobEvents>();
        services.AddSingleton<UploadValidator>();
        services.AddSingleton<JobSubmission>();
        services.AddHostedService<JobWorker>();
        services.AddSignalR(o => o.MaximumReceiveMessageSize = 64 * 1024).AddMessagePackProtocol();
        services.AddOptions<FormOptions>().Configure<IOptions<JobOptions>>((form, jobs) =>
            form.MultipartBodyLengthLimit = jobs.Value.MaxUploadBytes + 64 * 1024);
        return services;
    }

    public static IEndpointRouteBuilder MapFaceClipJobs(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapJobsApi();
        endpoints.MapHub<JobsHub>("/hubs/jobs");
        return endpoints;
    }
}
