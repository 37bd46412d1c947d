using FaceClip.Core.Expression;
using FaceClip.Core.Losses;
using FaceClip.Core.Runtime;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Jobs;

/// <summary>Turns an uploaded photo and a request into a queued job: checks the upload, stores it atomically, queues
/// it. The REST endpoint and the studio page both submit through here.</summary>
public sealed class JobSubmission(JobStore store, JobQueue queue, UploadValidator validator, IOptions<JobOptions> options, ModelStore? models = null)
{
    /// <summary>Why a submission was refused, with the HTTP status that says so.</summary>
    public sealed record Refusal(int Status, string Detail);

    public async Task<(JobRecord? Job, Refusal? Refusal)> SubmitAsync(Stream photo, long length, JobRequest request, CancellationToken cancellationToken)
    {
        var limits = options.Value;
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

        if (queue.Waiting >= limits.QueueCapacity)
        {
            return (null, QueueFull(limits));
        }

        await using var buffered = new MemoryStream();
        await photo.CopyToAsync(buffered, cancellationToken);
        var (extension, invalid) = await validator.ValidateAsync(buffered, buffered.Length, cancellationToken);
        if (invalid is not null)
        {
            return (null, new Refusal(StatusCodes.Status422UnprocessableEntity, invalid));
        }

        var record = await store.CreateAsync("input" + extension, buffered, request, cancellationToken);
        if (!queue.TryEnqueue(record.Id))
        {
            await store.MarkFinishedAsync(record.Id, JobStatus.Failed, "The queue was full.", [], CancellationToken.None);
            return (null, QueueFull(limits));
        }

        return (record, null);
    }

    /// <summary>With CLIP any prompt works; the embedded critic reads prompts with its lexicon, so a prompt it cannot
    /// read is refused before anything runs, with what it understands.</summary>
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

        return ExpressionLexicon.FirstUnreadable(request.Prompts, request.Critic, clip);
    }

    private static Refusal QueueFull(JobOptions limits) =>
        new(StatusCodes.Status429TooManyRequests, $"The job queue is full; try again in {limits.RetryAfterSeconds} s.");
}
