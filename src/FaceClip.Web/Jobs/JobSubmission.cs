using FaceClip.Core.Expression;
using FaceClip.Core.Expression.Prompts;
using FaceClip.Core.Losses;
using FaceClip.Core.Runtime;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Jobs;

/// <summary>Turns an uploaded photo and a request into a queued job: checks the upload, stores it atomically, queues
/// it. The REST endpoint and the studio page both submit through here.</summary>
public sealed class JobSubmission(
    JobStore store, JobQueue queue, UploadValidator validator, SubmissionLimiter limiter, IOptions<JobOptions> options, ModelStore? models = null)
{
    /// <summary>Why a submission was refused, with the HTTP status that says so (and, for 429, when to try again).</summary>
    public sealed record Refusal(int Status, string Detail, TimeSpan? RetryAfter = null);

    /// <summary>Who submits: the owner the job will belong to and the client address (for the rate limits).</summary>
    public sealed record Submitter(string Owner, string Address);

    public async Task<(JobRecord? Job, Refusal? Refusal)> SubmitAsync(Submitter submitter, Stream photo, long length, JobRequest request, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        ArgumentException.ThrowIfNullOrEmpty(submitter.Owner);
        if (request.Prompts.Count > limits.MaxPrompts || request.Prompts.Any(p => p.Length > limits.MaxPromptLength))
        {
            return (null, new Refusal(StatusCodes.Status400BadRequest, $"At most {limits.MaxPrompts} prompts of at most {limits.MaxPromptLength} characters."));
        }

        if (CheckPrompts(request) is { } promptProblem)
        {
            return (null, new Refusal(StatusCodes.Status400BadRequest, promptProblem));
        }

        if (request.Iterations is { } n && (n < 1 || n > limits.MaxIterations))
        {
            return (null, new Refusal(StatusCodes.Status400BadRequest, $"Iterations must be between 1 and {limits.MaxIterations}."));
        }

        if (length > limits.MaxUploadBytes)
        {
            return (null, new Refusal(StatusCodes.Status413PayloadTooLarge, $"The uploaded file is {length:N0} bytes; the limit is {limits.MaxUploadBytes:N0}."));
        }

        if (await queue.WaitingAsync(cancellationToken) >= limits.QueueCapacity)
        {
            return (null, QueueFull(limits));
        }

        if (limiter.TryAcquire(submitter.Owner, submitter.Address) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            return (null, new Refusal(StatusCodes.Status429TooManyRequests, $"Too many jobs submitted; try again in {seconds} s.", TimeSpan.FromSeconds(seconds)));
        }

        await using var buffered = new MemoryStream();
        await photo.CopyToAsync(buffered, cancellationToken);
        var check = await validator.CheckAsync(buffered, buffered.Length, cancellationToken);
        if (check.Problem is not null)
        {
            return (null, new Refusal(StatusCodes.Status422UnprocessableEntity, check.Problem));
        }

        var record = await store.CreateAsync(submitter.Owner, "input" + check.Extension, buffered, request, cancellationToken);
        if (check.WorkingCopy is { } working)
        {
            await store.WriteFileAsync(record.Id, JobStore.WorkingCopyName, new MemoryStream(working), cancellationToken);
        }

        if (!await queue.TryEnqueueAsync(record.Id, cancellationToken))
        {
            await store.MarkFinishedAsync(record.Id, JobStatus.Failed, "The queue was full.", [], CancellationToken.None);
            return (null, QueueFull(limits));
        }

        return (record, null);
    }

    /// <summary>With CLIP any prompt works; the embedded critic reads prompts by meaning (PromptReader), so a prompt it cannot
    /// read is refused before anything runs, with the nearest things it knows.</summary>
    private string? CheckPrompts(JobRequest request)
    {
        if (request.Prompts.Count == 0)
        {
            return null;
        }

        var clip = models?.GetStatus("clip").Found ?? false;
        if (request.Critic == CriticChoice.Clip && !clip)
        {
            return "The CLIP critic needs OpenAI's CLIP weights, which are not installed (faceclip models fetch clip); use critic auto or face.";
        }

        return PromptReader.Shared.FirstUnreadable(request.Prompts, request.Critic, clip);
    }

    private static Refusal QueueFull(JobOptions limits) =>
        new(StatusCodes.Status429TooManyRequests, $"The job queue is full; try again in {limits.RetryAfterSeconds} s.", TimeSpan.FromSeconds(limits.RetryAfterSeconds));
}
