using System.Security.Claims;
using System.Text.RegularExpressions;
using FaceClip.Core.Losses;
using FaceClip.Web.Owners;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Jobs;

/// <summary>REST endpoints for jobs: submit, read, list, download an artifact or the photo, cancel, delete. Every
/// job belongs to the owner who submitted it (<see cref="Owner"/>); to anyone else it does not exist (404).</summary>
public static partial class JobsApi
{
    public static RouteGroupBuilder MapJobsApi(this IEndpointRouteBuilder endpoints)
    {
        var jobs = endpoints.MapGroup("/api/jobs").WithTags("Jobs");
        jobs.MapPost("/", SubmitAsync).DisableAntiforgery().WithName("SubmitJob");
        jobs.MapGet("/", ListAsync).WithName("ListJobs");
        jobs.MapGet("/{id}", GetAsync).WithName("GetJob");
        jobs.MapGet("/{id}/artifacts/{**name}", ArtifactAsync).WithName("GetArtifact");
        jobs.MapGet("/{id}/input", InputAsync).WithName("GetJobInput");
        jobs.MapGet("/{id}/face", FaceAsync).WithName("GetJobFace");
        jobs.MapGet("/{id}/download", DownloadAllAsync).WithName("DownloadJob");
        jobs.MapPost("/{id}/cancel", CancelAsync).DisableAntiforgery().WithName("CancelJob");
        jobs.MapDelete("/{id}", DeleteAsync).WithName("DeleteJob");
        return jobs;
    }

    /// <summary>Artifact names are fixed by the executor: a plain file name, optionally in one prompt folder.</summary>
    [GeneratedRegex("^(?:[a-z0-9][a-z0-9-]{0,60}/)?[a-z0-9][a-z0-9_.-]{0,80}$")]
    private static partial Regex ArtifactName();

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".obj"] = "text/plain",
        [".mtl"] = "text/plain",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".webp"] = "image/webp",
        [".glb"] = "model/gltf-binary",
        [".ply"] = "application/octet-stream",
        [".json"] = "application/json",
        [".zip"] = "application/zip",
        [".csv"] = "text/csv",
    };

    private static async Task<IResult> SubmitAsync(HttpRequest request, ClaimsPrincipal user, JobSubmission submission, IOptions<JobOptions> options, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (!request.HasFormContentType)
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Send multipart/form-data with an 'image' file.");
        }

        if (request.ContentLength > limits.MaxUploadBytes + (64 * 1024))
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, $"The upload is {request.ContentLength:N0} bytes; the limit is {limits.MaxUploadBytes:N0}.");
        }

        var boundary = Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            ? Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(type.Boundary).Value
            : null;
        if (type?.MediaType.Value?.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true && string.IsNullOrWhiteSpace(boundary))
        {
            return Problem(StatusCodes.Status400BadRequest, "The multipart/form-data Content-Type has no boundary.");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, $"The upload is too large: {ex.Message}");
        }
        catch (InvalidDataException ex) when (ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, $"The upload is too large: {ex.Message}");
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            return Problem(StatusCodes.Status400BadRequest, $"The multipart/form-data body is malformed: {ex.Message}");
        }

        var file = form.Files.GetFile("image");
        if (file is null)
        {
            return Problem(StatusCodes.Status400BadRequest, "The form has no 'image' file.");
        }

        var prompts = form["prompts"].Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p!.Trim()).ToList();
        if (!TryParseRequest(form, prompts, limits, out var jobRequest, out var problem))
        {
            return Problem(StatusCodes.Status400BadRequest, problem!);
        }

        await using var upload = file.OpenReadStream();
        var submitter = new JobSubmission.Submitter(Owner.Of(user)!, Owner.AddressOf(user));
        var (record, refusal) = await submission.SubmitAsync(submitter, upload, file.Length, jobRequest!, cancellationToken);
        if (refusal is not null)
        {
            if (refusal.RetryAfter is { } after)
            {
                request.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return Problem(refusal.Status, refusal.Detail);
        }

        return Results.Accepted($"/api/jobs/{record!.Id}", Describe(record));
    }

    private static bool TryParseRequest(IFormCollection form, IReadOnlyList<string> prompts, JobOptions limits, out JobRequest? request, out string? problem)
    {
        request = null;
        problem = null;
        int? face = null, iterations = null;
        if (form.TryGetValue("face", out var faceText) && !string.IsNullOrEmpty(faceText))
        {
            if (!int.TryParse(faceText, out var f) || f < 0)
            {
                problem = "'face' must be a face index (0 or more).";
                return false;
            }

            face = f;
        }

        if (form.TryGetValue("iterations", out var iterText) && !string.IsNullOrEmpty(iterText))
        {
            if (!int.TryParse(iterText, out var n) || n < 1 || n > limits.MaxIterations)
            {
                problem = $"'iterations' must be between 1 and {limits.MaxIterations}.";
                return false;
            }

            iterations = n;
        }

        var critic = CriticChoice.Auto;
        if (form.TryGetValue("critic", out var c) && !string.IsNullOrEmpty(c) && !Critics.TryParseChoice(c.ToString(), out critic))
        {
            problem = "'critic' must be auto, clip or face.";
            return false;
        }

        var detail = form.TryGetValue("detail", out var d) && bool.TryParse(d, out var dv) && dv;
        request = new JobRequest { FaceIndex = face, Iterations = iterations, Critic = critic, DetailPass = detail, Prompts = prompts };
        return true;
    }

    private static async Task<IResult> GetAsync(string id, ClaimsPrincipal user, JobStore store, JobEvents events, CancellationToken cancellationToken)
    {
        var record = await store.GetOwnedAsync(id, Owner.Of(user), cancellationToken);
        if (record is null)
        {
            return Problem(StatusCodes.Status404NotFound, "No such job.");
        }

        var live = events.CurrentState(id);
        return Results.Ok(Describe(record, live));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, JobStore store, CancellationToken cancellationToken) =>
        Results.Ok((await store.ListAsync(Owner.Of(user)!, 100, cancellationToken)).Select(r => Describe(r)));

    private static async Task<IResult> ArtifactAsync(string id, string name, ClaimsPrincipal user, JobStore store, CancellationToken cancellationToken)
    {
        if (!ArtifactName().IsMatch(name) || name.Contains(".."))
        {
            return Problem(StatusCodes.Status404NotFound, "No such artifact.");
        }

        var record = await store.GetOwnedAsync(id, Owner.Of(user), cancellationToken);
        if (record is null || !record.Artifacts.Contains(name, StringComparer.Ordinal))
        {
            return Problem(StatusCodes.Status404NotFound, "No such artifact.");
        }

        var path = Path.Combine(store.JobDirectory(record.Id), name);
        if (!File.Exists(path))
        {
            return Problem(StatusCodes.Status404NotFound, "The artifact's file is gone.");
        }

        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");
        return Results.File(path, type, fileDownloadName: JobDownloads.FileName(record.Id, name));
    }

    /// <summary>Every artifact of a finished job in one zip, named for the job.</summary>
    private static async Task<IResult> DownloadAllAsync(string id, ClaimsPrincipal user, JobStore store, CancellationToken cancellationToken)
    {
        var record = await store.GetOwnedAsync(id, Owner.Of(user), cancellationToken);
        if (record is null)
        {
            return Problem(StatusCodes.Status404NotFound, "No such job.");
        }

        if (!record.IsFinished || record.Artifacts.Count == 0)
        {
            return Problem(StatusCodes.Status409Conflict, "The job has no results yet.");
        }

        var path = await Task.Run(() => JobDownloads.AllZip(store, record), cancellationToken);
        return Results.File(path, "application/zip", fileDownloadName: JobDownloads.AllFileName(record.Id));
    }

    /// <summary>The crop of the face a job fits (written when the job starts; the job page and the jobs list show it).</summary>
    private static async Task<IResult> FaceAsync(string id, ClaimsPrincipal user, JobStore store, CancellationToken cancellationToken)
    {
        var record = await store.GetOwnedAsync(id, Owner.Of(user), cancellationToken);
        var path = record is null ? null : Path.Combine(store.JobDirectory(record.Id), ReconstructionJobExecutor.FaceFile);
        return path is not null && File.Exists(path) ? Results.File(path, "image/jpeg") : Problem(StatusCodes.Status404NotFound, "No face crop for this job.");
    }

    /// <summary>The uploaded photo of a job (its name is fixed by the store, never taken from a request).</summary>
    private static async Task<IResult> InputAsync(string id, ClaimsPrincipal user, JobStore store, CancellationToken cancellationToken)
    {
        var record = await store.GetOwnedAsync(id, Owner.Of(user), cancellationToken);
        if (record is null)
        {
            return Problem(StatusCodes.Status404NotFound, "No such job.");
        }

        var path = Path.Combine(store.JobDirectory(record.Id), record.InputFileName);
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");
        return File.Exists(path) ? Results.File(path, type) : Problem(StatusCodes.Status404NotFound, "The photo is gone.");
    }

    private static async Task<IResult> CancelAsync(string id, ClaimsPrincipal user, JobStore store, JobQueue queue, JobEvents events, CancellationToken cancellationToken)
    {
        var record = await store.GetOwnedAsync(id, Owner.Of(user), cancellationToken);
        if (record is null)
        {
            return Problem(StatusCodes.Status404NotFound, "No such job.");
        }

        if (record.IsFinished)
        {
            return Problem(StatusCodes.Status409Conflict, $"The job has already ended ({record.Status}).");
        }

        await events.CancellingAsync(id); // first, so every watcher sees "Cancelling" before "Cancelled"
        await queue.CancelAsync(id);
        return Results.Accepted($"/api/jobs/{id}", Describe(record));
    }

    /// <summary>Deletes the job: cancels it first if it is queued or running, then removes the photo, every artifact
    /// and the record.</summary>
    private static async Task<IResult> DeleteAsync(string id, ClaimsPrincipal user, JobDeletion deletion, CancellationToken cancellationToken) =>
        await deletion.DeleteAsync(id, Owner.Of(user), cancellationToken)
            ? Results.NoContent()
            : Problem(StatusCodes.Status404NotFound, "No such job.");

    private static object Describe(JobRecord record, JobStateMessage? live = null) => new
    {
        id = record.Id,
        status = live?.Status ?? record.Status.ToString(),
        stage = live?.Stage,
        device = live?.Device,
        critic = live?.Critic,
        createdAt = record.CreatedAt,
        startedAt = record.StartedAt,
        finishedAt = record.FinishedAt,
        error = record.Error,
        request = record.Request,
        urls = new
        {
            self = $"/api/jobs/{record.Id}",
            cancel = $"/api/jobs/{record.Id}/cancel",
            hub = "/hubs/jobs",
            artifacts = record.Artifacts.ToDictionary(a => a, a => $"/api/jobs/{record.Id}/artifacts/{a}"),
        },
    };

    private static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status);
}
