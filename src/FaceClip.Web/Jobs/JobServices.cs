using FaceClip.Core.Runtime;
using FaceClip.Web.Owners;
using FaceClip.Web.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FaceClip.Web.Jobs;

/// <summary>Registers the job system: store, queue, worker, events, hub, upload checks, on the backend and for the
/// node role configured (<see cref="JobOptions.Backend"/>, <see cref="NodeOptions.Role"/>).</summary>
public static class JobServices
{
    public static IServiceCollection AddFaceClipJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<JobOptions>(configuration.GetSection(JobOptions.SectionName));
        services.Configure<NodeOptions>(configuration.GetSection(NodeOptions.SectionName));
        services.Configure<FaceClip.Core.Expression.TransferOptions>(configuration.GetSection(FaceClip.Core.Expression.TransferOptions.SectionName));
        var jobs = configuration.GetSection(JobOptions.SectionName).Get<JobOptions>() ?? new JobOptions();
        var node = configuration.GetSection(NodeOptions.SectionName).Get<NodeOptions>() ?? new NodeOptions();
        if (node.Problem(jobs) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        if (jobs.IsDistributed)
        {
            var redis = DistributedConnectionString(configuration, "Redis");
            var postgres = DistributedConnectionString(configuration, "Postgres");
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redis));
            services.AddSingleton<JobStore>(sp => new PostgresJobStore(DataDirectory(sp), postgres));
            services.AddSingleton<RedisJobQueue>();
            services.AddSingleton<JobQueue>(sp => sp.GetRequiredService<RedisJobQueue>());
            services.AddSingleton<RedisJobEventBus>();
            services.AddSingleton<IJobEventBus>(sp => sp.GetRequiredService<RedisJobEventBus>());
            if (node.ServesWeb)
            {
                services.AddHostedService<RedisJobEventRelay>();
            }
        }
        else
        {
            services.AddSingleton<JobStore>(sp => new SqliteJobStore(DataDirectory(sp)));
            services.AddSingleton<JobQueue, EmbeddedJobQueue>();
            services.AddSingleton<IJobEventBus, EmbeddedJobEventBus>();
        }

        services.AddSingleton<JobEvents>();
        services.AddSingleton<UploadValidator>();
        services.AddSingleton<SubmissionLimiter>();
        services.AddSingleton<JobSubmission>();
        services.AddSingleton<JobDeletion>();
        services.TryAddSingleton(TimeProvider.System);
        if (node.RunsJobs)
        {
            services.AddHostedService<JobWorker>();
        }

        if (node.ServesWeb)
        {
            services.AddHostedService<JobRetention>();
        }

        services.AddFaceClipOwners(configuration);
        services.AddFaceClipRequestGuards(configuration);
        services.AddSignalR(o => o.MaximumReceiveMessageSize = 64 * 1024).AddMessagePackProtocol();
        services.AddOptions<FormOptions>().Configure<IOptions<JobOptions>>((form, jobs) =>
            form.MultipartBodyLengthLimit = jobs.Value.MaxUploadBytes + 64 * 1024);
        return services;
    }

    /// <summary>The data folder (<see cref="JobOptions.DataDirectory"/>, relative to the product root): job files,
    /// the SQLite databases, the Data Protection keys.</summary>
    public static string DataDirectory(IServiceProvider sp) =>
        Path.GetFullPath(sp.GetRequiredService<IOptions<JobOptions>>().Value.DataDirectory, sp.GetRequiredService<IWebHostEnvironment>().ContentRootPath);

    /// <summary>A connection string the distributed backend needs (<c>ConnectionStrings:&lt;name&gt;</c>).</summary>
    public static string DistributedConnectionString(IConfiguration configuration, string name) =>
        configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Jobs:Backend is distributed, so ConnectionStrings:{name} must be set.");

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
